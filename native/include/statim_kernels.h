/*
 * statim_kernels: the C ABI of Statim's own kernels, called from Java through the FFM API
 * (io.statim.runtime.cuda.kernels.KernelLibrary). Two builds share this ABI:
 *   libstatim_kernels.so      CUDA kernels (STATIM_CUDA=ON): every pointer is device memory and the
 *                             call is asynchronous on `stream` (a cudaStream_t; NULL = legacy default)
 *   libstatim_kernels_cpu.so  the same element code on the host (STATIM_CUDA=OFF): every pointer is
 *                             host memory, `stream` is ignored, the call is synchronous
 * Every function returns 0 on success or a cudaError_t value (1 = cudaErrorInvalidValue for a bad
 * argument); statim_error_name() names it. Tensors are little-endian and row-major.
 */
#ifndef STATIM_KERNELS_H
#define STATIM_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define STATIM_API __declspec(dllexport)
#else
#define STATIM_API __attribute__((visibility("default")))
#endif

/* Bumped whenever a signature or a meaning below changes; Java refuses a library of another version. */
#define STATIM_KERNELS_ABI_VERSION 1

STATIM_API int32_t statim_kernels_abi_version(void);

/* 1 for the CUDA build, 0 for the host build. */
STATIM_API int32_t statim_kernels_is_cuda(void);

/* The name of a status returned by these functions (cudaGetErrorName in the CUDA build). Never NULL. */
STATIM_API const char *statim_error_name(int32_t status);

/*
 * Ragged rows to a padded batch: row r has lengths[r] items starting at item offsets[r] of src; an
 * item is `width` elements of `elem_bytes` bytes (1, 2, 4 or 8). dst is [rows, max_len, width]:
 *   dst[r][t][k] = t < lengths[r] ? src[(offsets[r] + t) * width + k] : pad
 * where pad is the low elem_bytes bytes of pad_bits. lengths[r] must be in [0, max_len].
 */
STATIM_API int32_t statim_pack_padded(void *dst, const void *src, const int64_t *offsets, const int32_t *lengths,
                                      int32_t rows, int32_t max_len, int32_t width, int32_t elem_bytes,
                                      uint64_t pad_bits, void *stream);

/* The inverse: dst[(offsets[r] + t) * width + k] = src[r][t][k] for t < lengths[r]; padding is dropped. */
STATIM_API int32_t statim_unpack_padded(void *dst, const void *src, const int64_t *offsets, const int32_t *lengths,
                                        int32_t rows, int32_t max_len, int32_t width, int32_t elem_bytes,
                                        void *stream);

/* Element-wise casts of n values; FP32 to FP16/BF16 rounds to nearest even, NaN stays NaN. */
STATIM_API int32_t statim_cast_f32_to_f16(uint16_t *dst, const float *src, int64_t n, void *stream);
STATIM_API int32_t statim_cast_f16_to_f32(float *dst, const uint16_t *src, int64_t n, void *stream);
STATIM_API int32_t statim_cast_f32_to_bf16(uint16_t *dst, const float *src, int64_t n, void *stream);
STATIM_API int32_t statim_cast_bf16_to_f32(float *dst, const uint16_t *src, int64_t n, void *stream);

/*
 * LoRA slot rows: dst[r] = pool[slots[r]] for r < rows, each row_bytes bytes; a slot outside
 * [0, slot_count) gives a row of zeros (the caller validates slots; this only keeps reads in bounds).
 */
STATIM_API int32_t statim_gather_rows(void *dst, const void *pool, const int64_t *slots, int64_t rows,
                                      int64_t slot_count, int64_t row_bytes, void *stream);

#ifdef __cplusplus
}
#endif

#endif
