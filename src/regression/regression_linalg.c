/* regression_linalg.c: small dense symmetric algebra for the solver and the
 * certificate (d <= BHT_REGRESSION_SOLVE_MAX_D).  Plain binary64: the
 * certificate never trusts these results, it verifies them (see
 * regression_certify.c). */
#include <math.h>
#include <string.h>
#include "regression_internal.h"

/* Cholesky-Banachiewicz, row by row: L L^T = M + shift I. */
int bht__regression_cholesky(size_t d, const double *M, double shift, double *L)
{
    memset(L, 0, d * d * sizeof *L);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j <= i; j++) {
            double sum = M[i * d + j] + (i == j ? shift : 0.0);
            for (size_t k = 0; k < j; k++)
                sum -= L[i * d + k] * L[j * d + k];
            if (i == j) {
                if (!(sum > 0.0) || !isfinite(sum))
                    return 0;
                L[i * d + i] = sqrt(sum);
            } else {
                L[i * d + j] = sum / L[j * d + j];
            }
        }
    return 1;
}

void bht__regression_cholesky_solve(size_t d, const double *L, double *y)
{
    for (size_t i = 0; i < d; i++) { /* L u = y */
        double sum = y[i];
        for (size_t k = 0; k < i; k++)
            sum -= L[i * d + k] * y[k];
        y[i] = sum / L[i * d + i];
    }
    for (size_t i = d; i-- > 0;) { /* L^T v = u */
        double sum = y[i];
        for (size_t k = i + 1; k < d; k++)
            sum -= L[k * d + i] * y[k];
        y[i] = sum / L[i * d + i];
    }
}

/* Cyclic Jacobi (Golub & Van Loan, Matrix Computations, 4th ed., Alg.
 * 8.5.3) on a copy of M until the off-diagonal mass is below 2^-110 of the
 * total (or 60 sweeps); eigenvalues ascending. */
int bht__regression_symmetric_eigenvalues(size_t d, const double *M, double *eig, double *work)
{
    double *B = work;
    memcpy(B, M, d * d * sizeof *B);
    double total = 0.0;
    for (size_t k = 0; k < d * d; k++)
        total += B[k] * B[k];
    int sweep = 0;
    for (; sweep < 60; sweep++) {
        double off = 0.0;
        for (size_t p = 0; p < d; p++)
            for (size_t q = p + 1; q < d; q++)
                off += B[p * d + q] * B[p * d + q];
        if (!(off > 0x1p-110 * total))
            break;
        for (size_t p = 0; p < d; p++)
            for (size_t q = p + 1; q < d; q++) {
                double apq = B[p * d + q];
                if (apq == 0.0)
                    continue;
                double theta = (B[q * d + q] - B[p * d + p]) / (2.0 * apq);
                double t = (theta >= 0.0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1.0));
                double c = 1.0 / sqrt(t * t + 1.0), s = t * c;
                for (size_t k = 0; k < d; k++) { /* columns p, q */
                    double bkp = B[k * d + p], bkq = B[k * d + q];
                    B[k * d + p] = c * bkp - s * bkq;
                    B[k * d + q] = s * bkp + c * bkq;
                }
                for (size_t k = 0; k < d; k++) { /* rows p, q */
                    double bpk = B[p * d + k], bqk = B[q * d + k];
                    B[p * d + k] = c * bpk - s * bqk;
                    B[q * d + k] = s * bpk + c * bqk;
                }
            }
    }
    for (size_t k = 0; k < d; k++)
        eig[k] = B[k * d + k];
    for (size_t i = 1; i < d; i++) { /* insertion sort, d small */
        double v = eig[i];
        size_t j = i;
        while (j > 0 && eig[j - 1] > v) {
            eig[j] = eig[j - 1];
            j--;
        }
        eig[j] = v;
    }
    return sweep;
}
