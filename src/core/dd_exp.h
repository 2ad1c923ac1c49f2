/* dd_exp.h: double-double exponential shared by the double kernels. */
#ifndef BHT_DD_EXP_H
#define BHT_DD_EXP_H

/* Domain of bht_dd_exp: -1100 <= th <= 709, |tl| <= 2^-40. */
#define BHT_DD_EXP_MIN (-1100.0)
#define BHT_DD_EXP_MAX 709.0

/* exp(th + tl) = 2^(*scale) * (*mh + *ml) with 0.99 < *mh < 2 and relative
 * error below 2^-66 (see dd_exp.c). */
void bht_dd_exp(double th, double tl, double *mh, double *ml, int *scale);

#endif
