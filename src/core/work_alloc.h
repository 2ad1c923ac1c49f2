/* work_alloc.h: the work arrays of a kernel call allocated together: nd
 * doubles and ni ints (model_distance.c, local_softmax.c), or groups of
 * double arrays carved from one block (model_distance_leverage.c,
 * local_leverage.c).  Not part of the public API. */
#ifndef BHT_WORK_ALLOC_H
#define BHT_WORK_ALLOC_H

#include <stdlib.h>
#include "bht.h"

/* *work gets nd doubles and *ex ni ints: BHT_OK with both allocated (the
 * caller frees both), or BHT_E_NOMEM with both NULL. */
static inline bht_status bht__work_alloc(size_t nd, size_t ni, double **work, int **ex)
{
    *work = malloc(nd * sizeof **work);
    *ex = malloc(ni * sizeof **ex);
    if (*work && *ex)
        return BHT_OK;
    free(*work);
    free(*ex);
    *work = NULL;
    *ex = NULL;
    return BHT_E_NOMEM;
}

/* count double arrays of length doubles each; *slots[k] gets array k. */
typedef struct bht__double_group {
    double **const *slots;
    size_t count, length;
} bht__double_group;

/* One allocation for the arrays of every group, in order: returns the
 * block (the caller frees it, and only it) or NULL (no memory; the slots
 * untouched; one spare double, so never malloc(0)).  The caller bounds the
 * sizes (no size_t overflow). */
static inline double *bht__alloc_doubles(const bht__double_group *groups, size_t ngroups)
{
    size_t total = 1;
    for (size_t g = 0; g < ngroups; g++)
        total += groups[g].count * groups[g].length;
    double *block = malloc(total * sizeof *block);
    if (!block)
        return NULL;
    double *next = block;
    for (size_t g = 0; g < ngroups; g++)
        for (size_t k = 0; k < groups[g].count; k++) {
            *groups[g].slots[k] = next;
            next += groups[g].length;
        }
    return block;
}

#endif
