/* proofs/kernels/include/gmp.h: parsing stub for Frama-C only (its libc has
 * no GMP).  src/nu/leverage_local_internal.h names mpq_t in declarations that
 * the proved helpers never use; the real <gmp.h> is used by every build.
 * Added to the include path by proofs/kernels.mk, nowhere else. */
#ifndef BHT_FRAMA_C_GMP_STUB_H
#define BHT_FRAMA_C_GMP_STUB_H
typedef struct {
    int mp_stub_opaque[8];
} bht_stub_mpq_struct;
typedef bht_stub_mpq_struct mpq_t[1];
#endif
