/*
 * The host build of statim_kernels (STATIM_CUDA=OFF): the same ABI and the same per-element code as
 * the CUDA build, on host memory, synchronously. It lets every machine test the FFM bindings and the
 * element code against the Java references; the CUDA build is then compared on a GPU.
 */
#include "statim_elements.cuh"

extern "C" {
#include "statim_kernels.h"
#include "statim_checks.h"
}

extern "C" {

int32_t statim_kernels_abi_version(void) {
    return STATIM_KERNELS_ABI_VERSION;
}

int32_t statim_kernels_is_cuda(void) {
    return 0;
}

const char *statim_error_name(int32_t status) {
    switch (status) {
        case 0: return "cudaSuccess";
        case STATIM_INVALID_VALUE: return "cudaErrorInvalidValue";
        default: return "unknown error";
    }
}

int32_t statim_pack_padded(void *dst, const void *src, const int64_t *offsets, const int32_t *lengths, int32_t rows,
                           int32_t max_len, int32_t width, int32_t elem_bytes, uint64_t pad_bits, void *) {
    int status = statim_check_padded(dst, src, offsets, lengths, rows, max_len, width, elem_bytes);
    int64_t n = (int64_t)rows * max_len * width;
    for (int64_t e = 0; status == STATIM_OK && e < n; e++) {
        statim::pack_element(e, (uint8_t *)dst, (const uint8_t *)src, offsets, lengths, max_len, width, elem_bytes, pad_bits);
    }
    return status;
}

int32_t statim_unpack_padded(void *dst, const void *src, const int64_t *offsets, const int32_t *lengths, int32_t rows,
                             int32_t max_len, int32_t width, int32_t elem_bytes, void *) {
    int status = statim_check_padded(dst, src, offsets, lengths, rows, max_len, width, elem_bytes);
    int64_t n = (int64_t)rows * max_len * width;
    for (int64_t e = 0; status == STATIM_OK && e < n; e++) {
        statim::unpack_element(e, (uint8_t *)dst, (const uint8_t *)src, offsets, lengths, max_len, width, elem_bytes);
    }
    return status;
}

int32_t statim_cast_f32_to_f16(uint16_t *dst, const float *src, int64_t n, void *) {
    int status = statim_check_cast(dst, src, n);
    for (int64_t i = 0; status == STATIM_OK && i < n; i++) {
        dst[i] = statim::f32_to_f16(src[i]);
    }
    return status;
}

int32_t statim_cast_f16_to_f32(float *dst, const uint16_t *src, int64_t n, void *) {
    int status = statim_check_cast(dst, src, n);
    for (int64_t i = 0; status == STATIM_OK && i < n; i++) {
        dst[i] = statim::f16_to_f32(src[i]);
    }
    return status;
}

int32_t statim_cast_f32_to_bf16(uint16_t *dst, const float *src, int64_t n, void *) {
    int status = statim_check_cast(dst, src, n);
    for (int64_t i = 0; status == STATIM_OK && i < n; i++) {
        dst[i] = statim::f32_to_bf16(src[i]);
    }
    return status;
}

int32_t statim_cast_bf16_to_f32(float *dst, const uint16_t *src, int64_t n, void *) {
    int status = statim_check_cast(dst, src, n);
    for (int64_t i = 0; status == STATIM_OK && i < n; i++) {
        dst[i] = statim::bf16_to_f32(src[i]);
    }
    return status;
}

int32_t statim_gather_rows(void *dst, const void *pool, const int64_t *slots, int64_t rows, int64_t slot_count,
                           int64_t row_bytes, void *) {
    int status = statim_check_gather(dst, pool, slots, rows, slot_count, row_bytes);
    if (status != STATIM_OK || rows == 0) {
        return status;
    }
    int32_t word_bytes = statim_gather_word_bytes(dst, pool, row_bytes);
    int64_t words = rows * (row_bytes / word_bytes);
    for (int64_t w = 0; w < words; w++) {
        statim::gather_word(w, (uint8_t *)dst, (const uint8_t *)pool, slots, slot_count, row_bytes, word_bytes);
    }
    return status;
}

} // extern "C"
