/*
 * Per-element code of Statim's kernels, shared by the CUDA build (kernels/statim_kernels.cu) and the
 * host build (native/src/statim_kernels_host.cpp), so both compute the same bits. The Java references
 * (io.statim.runtime.cuda.kernels.CpuKernels) are tested against the host build on every machine and
 * against the CUDA build where a GPU is present.
 */
#ifndef STATIM_ELEMENTS_CUH
#define STATIM_ELEMENTS_CUH

#include <stdint.h>
#include <string.h>

#if defined(__CUDACC__)
#define STATIM_HD __host__ __device__ __forceinline__
#else
#define STATIM_HD static inline
#endif

namespace statim {

STATIM_HD uint32_t float_bits(float f) {
#if defined(__CUDA_ARCH__)
    return __float_as_uint(f);
#else
    uint32_t x;
    memcpy(&x, &f, sizeof x);
    return x;
#endif
}

STATIM_HD float bits_float(uint32_t x) {
#if defined(__CUDA_ARCH__)
    return __uint_as_float(x);
#else
    float f;
    memcpy(&f, &x, sizeof f);
    return f;
#endif
}

/* IEEE binary32 to binary16, round to nearest even; overflow gives infinity; NaN stays a (quiet) NaN. */
STATIM_HD uint16_t f32_to_f16(float value) {
    uint32_t x = float_bits(value);
    uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t abs = x & 0x7fffffffu;
    if (abs >= 0x7f800000u) {
        return (uint16_t)(abs > 0x7f800000u ? (sign | 0x7e00u | ((abs >> 13) & 0x3ffu)) : (sign | 0x7c00u));
    }
    if (abs >= 0x477ff000u) { /* 65520 and above round to infinity */
        return (uint16_t)(sign | 0x7c00u);
    }
    if (abs < 0x38800000u) { /* below 2^-14: a half subnormal or zero */
        if (abs < 0x33000000u) { /* below 2^-25: rounds to zero */
            return (uint16_t)sign;
        }
        uint32_t exp = abs >> 23;
        uint32_t mant = (abs & 0x7fffffu) | 0x800000u;
        uint32_t shift = 126u - exp; /* 14..24 */
        uint32_t m = mant >> shift;
        uint32_t rem = mant & ((1u << shift) - 1u);
        uint32_t halfway = 1u << (shift - 1u);
        if (rem > halfway || (rem == halfway && (m & 1u))) {
            m++;
        }
        return (uint16_t)(sign | m);
    }
    uint32_t h = (abs >> 13) - (112u << 10);
    uint32_t rem = abs & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) {
        h++;
    }
    return (uint16_t)(sign | h);
}

/* binary16 to binary32, exact. */
STATIM_HD float f16_to_f32(uint16_t h) {
    uint32_t sign = ((uint32_t)h & 0x8000u) << 16;
    uint32_t exp = ((uint32_t)h >> 10) & 0x1fu;
    uint32_t mant = (uint32_t)h & 0x3ffu;
    if (exp == 0x1fu) {
        return bits_float(sign | 0x7f800000u | (mant << 13));
    }
    if (exp == 0u) {
        if (mant == 0u) {
            return bits_float(sign);
        }
        uint32_t shifts = 0;
        while ((mant & 0x400u) == 0u) {
            mant <<= 1;
            shifts++;
        }
        return bits_float(sign | ((113u - shifts) << 23) | ((mant & 0x3ffu) << 13));
    }
    return bits_float(sign | ((exp + 112u) << 23) | (mant << 13));
}

/* binary32 to bfloat16, round to nearest even; NaN stays a (quiet) NaN. */
STATIM_HD uint16_t f32_to_bf16(float value) {
    uint32_t x = float_bits(value);
    if ((x & 0x7fffffffu) > 0x7f800000u) {
        return (uint16_t)((x >> 16) | 0x0040u);
    }
    x += 0x7fffu + ((x >> 16) & 1u);
    return (uint16_t)(x >> 16);
}

/* bfloat16 to binary32, exact. */
STATIM_HD float bf16_to_f32(uint16_t b) {
    return bits_float((uint32_t)b << 16);
}

/* Copies one element of 1, 2, 4 or 8 bytes (both addresses aligned to it). */
STATIM_HD void copy_element(uint8_t *dst, const uint8_t *src, int32_t elem_bytes) {
    switch (elem_bytes) {
        case 1: *dst = *src; break;
        case 2: *(uint16_t *)dst = *(const uint16_t *)src; break;
        case 4: *(uint32_t *)dst = *(const uint32_t *)src; break;
        default: *(uint64_t *)dst = *(const uint64_t *)src; break;
    }
}

/* Writes the low elem_bytes bytes of pad_bits (little-endian) as one element. */
STATIM_HD void store_pad(uint8_t *dst, uint64_t pad_bits, int32_t elem_bytes) {
    switch (elem_bytes) {
        case 1: *dst = (uint8_t)pad_bits; break;
        case 2: *(uint16_t *)dst = (uint16_t)pad_bits; break;
        case 4: *(uint32_t *)dst = (uint32_t)pad_bits; break;
        default: *(uint64_t *)dst = pad_bits; break;
    }
}

/* Element e of the padded [rows, max_len, width] batch: copied from its ragged row or padded. */
STATIM_HD void pack_element(int64_t e, uint8_t *dst, const uint8_t *src, const int64_t *offsets, const int32_t *lengths,
                            int32_t max_len, int32_t width, int32_t elem_bytes, uint64_t pad_bits) {
    int64_t k = e % width;
    int64_t item = e / width;
    int64_t t = item % max_len;
    int64_t r = item / max_len;
    if (t < lengths[r]) {
        copy_element(dst + e * elem_bytes, src + ((offsets[r] + t) * width + k) * elem_bytes, elem_bytes);
    } else {
        store_pad(dst + e * elem_bytes, pad_bits, elem_bytes);
    }
}

/* Element e of the padded [rows, max_len, width] batch goes back to its ragged row unless it is padding. */
STATIM_HD void unpack_element(int64_t e, uint8_t *dst, const uint8_t *src, const int64_t *offsets, const int32_t *lengths,
                              int32_t max_len, int32_t width, int32_t elem_bytes) {
    int64_t k = e % width;
    int64_t item = e / width;
    int64_t t = item % max_len;
    int64_t r = item / max_len;
    if (t < lengths[r]) {
        copy_element(dst + ((offsets[r] + t) * width + k) * elem_bytes, src + e * elem_bytes, elem_bytes);
    }
}

/* Word w (of word_bytes, 1 or 4) of the gathered [rows, row_bytes] batch. */
STATIM_HD void gather_word(int64_t w, uint8_t *dst, const uint8_t *pool, const int64_t *slots, int64_t slot_count,
                           int64_t row_bytes, int32_t word_bytes) {
    int64_t words_per_row = row_bytes / word_bytes;
    int64_t r = w / words_per_row;
    int64_t i = w % words_per_row;
    int64_t slot = slots[r];
    uint8_t *out = dst + r * row_bytes + i * word_bytes;
    if (slot < 0 || slot >= slot_count) {
        if (word_bytes == 4) {
            *(uint32_t *)out = 0u;
        } else {
            *out = 0u;
        }
        return;
    }
    const uint8_t *in = pool + slot * row_bytes + i * word_bytes;
    if (word_bytes == 4) {
        *(uint32_t *)out = *(const uint32_t *)in;
    } else {
        *out = *in;
    }
}

} /* namespace statim */

#endif
