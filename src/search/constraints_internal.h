/* constraints_internal.h: shared by the query searches (plan.c, nu_sup.c).
 * Not part of the public API. */
#ifndef BHT_CONSTRAINTS_INTERNAL_H
#define BHT_CONSTRAINTS_INTERNAL_H

#include <stddef.h>

/* Replaces the finite vector x by a point of the sphere ||x||_2 = E in its
 * direction ((E, 0, ..., 0) for x = 0), moved inside until bht_check_energy
 * accepts it: the result always satisfies ||x||_2 <= E exactly. */
void bht__energy_ball_point(size_t d, double *x, double energy);

#endif
