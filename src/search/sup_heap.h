/* sup_heap.h: the max-heap of cells shared by the branch and bound searches
 * (nu_sup.c, leverage_sup.c), keyed by each cell's upper bound.  The caller
 * owns the array and guarantees room for one more cell on push. */
#ifndef BHT_SUP_HEAP_H
#define BHT_SUP_HEAP_H

#include <stddef.h>

typedef struct sup_cell {
    double upper; /* bound on the objective over the cell */
    double half;  /* half side of a cube (nu_sup.c) */
    size_t slot;  /* where the cell's geometry is stored */
    int split;    /* coordinate to bisect next, -1 when none (leverage_sup.c) */
} sup_cell;

static inline void sup_heap_push(sup_cell *heap, size_t *length, sup_cell cell)
{
    size_t i = (*length)++;
    heap[i] = cell;
    while (i > 0 && heap[(i - 1) / 2].upper < heap[i].upper) {
        sup_cell t = heap[i];
        heap[i] = heap[(i - 1) / 2];
        heap[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static inline sup_cell sup_heap_pop(sup_cell *heap, size_t *length)
{
    sup_cell top = heap[0];
    heap[0] = heap[--*length];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < *length && heap[l].upper > heap[m].upper)
            m = l;
        if (r < *length && heap[r].upper > heap[m].upper)
            m = r;
        if (m == i)
            break;
        sup_cell t = heap[i];
        heap[i] = heap[m];
        heap[m] = t;
        i = m;
    }
    return top;
}

#endif
