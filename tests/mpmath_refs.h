/* mpmath_refs.h: reading the independent mpmath reference files of
 * tests/data (*_mpmath.txt) in the Criterion tests. */
#ifndef BHT_TESTS_MPMATH_REFS_H
#define BHT_TESTS_MPMATH_REFS_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

/* Reads the numbers of text (strtod syntax, blank separated) into out;
 * returns their count. */
static inline size_t mpmath_read_numbers(const char *text, double *out, size_t max)
{
    size_t count = 0;
    char *end;
    for (;;) {
        double v = strtod(text, &end);
        if (end == text)
            return count;
        cr_assert_lt(count, max, "too many values in reference line");
        out[count++] = v;
        text = end;
    }
}

/* Opens $BHT_TESTDATA/name for reading (fails the test otherwise). */
static inline FILE *mpmath_open(const char *name)
{
    const char *dir = getenv("BHT_TESTDATA");
    cr_assert(dir, "BHT_TESTDATA is not set");
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    cr_assert(f, "cannot open %s", path);
    return f;
}

#endif
