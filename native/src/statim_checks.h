/* Argument checks shared by both builds of statim_kernels, so both refuse the same calls. */
#ifndef STATIM_CHECKS_H
#define STATIM_CHECKS_H

#include <stdint.h>

#define STATIM_OK 0
/* cudaErrorInvalidValue: the value both builds return for a bad argument. */
#define STATIM_INVALID_VALUE 1

static inline int statim_aligned(const void *p, int64_t bytes) {
    return ((uintptr_t)p % (uintptr_t)bytes) == 0;
}

static inline int statim_check_padded(const void *dst, const void *src, const int64_t *offsets, const int32_t *lengths,
                                      int32_t rows, int32_t max_len, int32_t width, int32_t elem_bytes) {
    if (rows < 0 || max_len < 0 || width < 1) {
        return STATIM_INVALID_VALUE;
    }
    if (elem_bytes != 1 && elem_bytes != 2 && elem_bytes != 4 && elem_bytes != 8) {
        return STATIM_INVALID_VALUE;
    }
    if ((int64_t)rows * max_len == 0) {
        return STATIM_OK;
    }
    if (!dst || !src || !offsets || !lengths || !statim_aligned(dst, elem_bytes) || !statim_aligned(src, elem_bytes)) {
        return STATIM_INVALID_VALUE;
    }
    return STATIM_OK;
}

static inline int statim_check_cast(const void *dst, const void *src, int64_t n) {
    if (n < 0) {
        return STATIM_INVALID_VALUE;
    }
    if (n > 0 && (!dst || !src || !statim_aligned(dst, 2) || !statim_aligned(src, 2))) {
        return STATIM_INVALID_VALUE;
    }
    return STATIM_OK;
}

static inline int statim_check_gather(const void *dst, const void *pool, const int64_t *slots, int64_t rows,
                                      int64_t slot_count, int64_t row_bytes) {
    if (rows < 0 || slot_count < 0 || row_bytes < 1) {
        return STATIM_INVALID_VALUE;
    }
    if (rows > 0 && (!dst || !slots || (slot_count > 0 && !pool))) {
        return STATIM_INVALID_VALUE;
    }
    return STATIM_OK;
}

/* 4-byte words when the rows and both buffers allow it, else bytes. */
static inline int32_t statim_gather_word_bytes(const void *dst, const void *pool, int64_t row_bytes) {
    return (row_bytes % 4 == 0 && statim_aligned(dst, 4) && statim_aligned(pool, 4)) ? 4 : 1;
}

#endif
