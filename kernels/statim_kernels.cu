/*
 * The CUDA build of statim_kernels (native/include/statim_kernels.h): grid-stride loops over the
 * per-element code of statim_elements.cuh, launched asynchronously on the caller's stream. A launch
 * error is returned at once (cudaGetLastError); an error while the kernel runs surfaces at the
 * caller's next synchronization, as with any CUDA call.
 */
#include <cuda_runtime.h>

#include "statim_elements.cuh"

extern "C" {
#include "statim_kernels.h"
#include "statim_checks.h"
}

namespace {

constexpr int kThreads = 256;
/* Enough blocks to fill an H100 several times over; the grid-stride loops cover the rest. */
constexpr int64_t kMaxBlocks = 65535;

inline dim3 blocks_for(int64_t n) {
    int64_t blocks = (n + kThreads - 1) / kThreads;
    return dim3((unsigned)(blocks < kMaxBlocks ? (blocks > 0 ? blocks : 1) : kMaxBlocks));
}

inline cudaStream_t as_stream(void *stream) {
    return reinterpret_cast<cudaStream_t>(stream);
}

__device__ inline int64_t grid_start() {
    return (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
}

__device__ inline int64_t grid_step() {
    return (int64_t)gridDim.x * blockDim.x;
}

__global__ void pack_kernel(uint8_t *dst, const uint8_t *src, const int64_t *offsets, const int32_t *lengths, int64_t n,
                            int32_t max_len, int32_t width, int32_t elem_bytes, uint64_t pad_bits) {
    for (int64_t e = grid_start(); e < n; e += grid_step()) {
        statim::pack_element(e, dst, src, offsets, lengths, max_len, width, elem_bytes, pad_bits);
    }
}

__global__ void unpack_kernel(uint8_t *dst, const uint8_t *src, const int64_t *offsets, const int32_t *lengths, int64_t n,
                              int32_t max_len, int32_t width, int32_t elem_bytes) {
    for (int64_t e = grid_start(); e < n; e += grid_step()) {
        statim::unpack_element(e, dst, src, offsets, lengths, max_len, width, elem_bytes);
    }
}

__global__ void f32_to_f16_kernel(uint16_t *dst, const float *src, int64_t n) {
    for (int64_t i = grid_start(); i < n; i += grid_step()) {
        dst[i] = statim::f32_to_f16(src[i]);
    }
}

__global__ void f16_to_f32_kernel(float *dst, const uint16_t *src, int64_t n) {
    for (int64_t i = grid_start(); i < n; i += grid_step()) {
        dst[i] = statim::f16_to_f32(src[i]);
    }
}

__global__ void f32_to_bf16_kernel(uint16_t *dst, const float *src, int64_t n) {
    for (int64_t i = grid_start(); i < n; i += grid_step()) {
        dst[i] = statim::f32_to_bf16(src[i]);
    }
}

__global__ void bf16_to_f32_kernel(float *dst, const uint16_t *src, int64_t n) {
    for (int64_t i = grid_start(); i < n; i += grid_step()) {
        dst[i] = statim::bf16_to_f32(src[i]);
    }
}

__global__ void gather_kernel(uint8_t *dst, const uint8_t *pool, const int64_t *slots, int64_t words, int64_t slot_count,
                              int64_t row_bytes, int32_t word_bytes) {
    for (int64_t w = grid_start(); w < words; w += grid_step()) {
        statim::gather_word(w, dst, pool, slots, slot_count, row_bytes, word_bytes);
    }
}

inline int32_t launched() {
    return (int32_t)cudaGetLastError();
}

} // namespace

extern "C" {

int32_t statim_kernels_abi_version(void) {
    return STATIM_KERNELS_ABI_VERSION;
}

int32_t statim_kernels_is_cuda(void) {
    return 1;
}

const char *statim_error_name(int32_t status) {
    const char *name = cudaGetErrorName((cudaError_t)status);
    return name ? name : "unknown CUDA error";
}

int32_t statim_pack_padded(void *dst, const void *src, const int64_t *offsets, const int32_t *lengths, int32_t rows,
                           int32_t max_len, int32_t width, int32_t elem_bytes, uint64_t pad_bits, void *stream) {
    int status = statim_check_padded(dst, src, offsets, lengths, rows, max_len, width, elem_bytes);
    int64_t n = (int64_t)rows * max_len * width;
    if (status != STATIM_OK || n == 0) {
        return status;
    }
    pack_kernel<<<blocks_for(n), kThreads, 0, as_stream(stream)>>>((uint8_t *)dst, (const uint8_t *)src, offsets, lengths, n,
                                                                   max_len, width, elem_bytes, pad_bits);
    return launched();
}

int32_t statim_unpack_padded(void *dst, const void *src, const int64_t *offsets, const int32_t *lengths, int32_t rows,
                             int32_t max_len, int32_t width, int32_t elem_bytes, void *stream) {
    int status = statim_check_padded(dst, src, offsets, lengths, rows, max_len, width, elem_bytes);
    int64_t n = (int64_t)rows * max_len * width;
    if (status != STATIM_OK || n == 0) {
        return status;
    }
    unpack_kernel<<<blocks_for(n), kThreads, 0, as_stream(stream)>>>((uint8_t *)dst, (const uint8_t *)src, offsets, lengths, n,
                                                                     max_len, width, elem_bytes);
    return launched();
}

int32_t statim_cast_f32_to_f16(uint16_t *dst, const float *src, int64_t n, void *stream) {
    int status = statim_check_cast(dst, src, n);
    if (status != STATIM_OK || n == 0) {
        return status;
    }
    f32_to_f16_kernel<<<blocks_for(n), kThreads, 0, as_stream(stream)>>>(dst, src, n);
    return launched();
}

int32_t statim_cast_f16_to_f32(float *dst, const uint16_t *src, int64_t n, void *stream) {
    int status = statim_check_cast(dst, src, n);
    if (status != STATIM_OK || n == 0) {
        return status;
    }
    f16_to_f32_kernel<<<blocks_for(n), kThreads, 0, as_stream(stream)>>>(dst, src, n);
    return launched();
}

int32_t statim_cast_f32_to_bf16(uint16_t *dst, const float *src, int64_t n, void *stream) {
    int status = statim_check_cast(dst, src, n);
    if (status != STATIM_OK || n == 0) {
        return status;
    }
    f32_to_bf16_kernel<<<blocks_for(n), kThreads, 0, as_stream(stream)>>>(dst, src, n);
    return launched();
}

int32_t statim_cast_bf16_to_f32(float *dst, const uint16_t *src, int64_t n, void *stream) {
    int status = statim_check_cast(dst, src, n);
    if (status != STATIM_OK || n == 0) {
        return status;
    }
    bf16_to_f32_kernel<<<blocks_for(n), kThreads, 0, as_stream(stream)>>>(dst, src, n);
    return launched();
}

int32_t statim_gather_rows(void *dst, const void *pool, const int64_t *slots, int64_t rows, int64_t slot_count,
                           int64_t row_bytes, void *stream) {
    int status = statim_check_gather(dst, pool, slots, rows, slot_count, row_bytes);
    if (status != STATIM_OK || rows == 0) {
        return status;
    }
    int32_t word_bytes = statim_gather_word_bytes(dst, pool, row_bytes);
    int64_t words = rows * (row_bytes / word_bytes);
    gather_kernel<<<blocks_for(words), kThreads, 0, as_stream(stream)>>>((uint8_t *)dst, (const uint8_t *)pool, slots, words,
                                                                         slot_count, row_bytes, word_bytes);
    return launched();
}

} // extern "C"
