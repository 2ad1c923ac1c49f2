/* work_alloc.h: the work arrays of a kernel call, nd doubles and ni ints,
 * allocated together (model_distance.c, local_softmax.c).  Not part of the
 * public API. */
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

#endif
