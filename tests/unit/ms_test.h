/* ms_test.h: tiny assertion macros for unit tests; each prints both values on failure. */
#ifndef MS_TEST_H
#define MS_TEST_H
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/registry.h"

static int ms_test_failures;

/* The row of `name` in a family's table (models/registry.h); a test without it stops here. */
static inline int ms_test_row(const struct ms_choice *t, const char *name, const char *file,
                              int line)
{
    int i = ms_choice_find(t, name);
    if (i < 0) {
        fprintf(stderr, "%s:%d: no row \"%s\" in the table\n", file, line, name);
        exit(1);
    }
    return i;
}
#define ROW(table, name) ms_test_row((table), (name), __FILE__, __LINE__)

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);          \
            ms_test_failures++;                                                                \
        }                                                                                      \
    } while (0)

#define CHECK_EQ_U64(a, b)                                                                     \
    do {                                                                                       \
        uint64_t va_ = (uint64_t)(a), vb_ = (uint64_t)(b);                                     \
        if (va_ != vb_) {                                                                      \
            fprintf(stderr, "%s:%d: %s == %s failed: %" PRIu64 " != %" PRIu64 "\n", __FILE__,  \
                    __LINE__, #a, #b, va_, vb_);                                               \
            ms_test_failures++;                                                                \
        }                                                                                      \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                                  \
    do {                                                                                       \
        double va_ = (double)(a), vb_ = (double)(b);                                           \
        if (!(fabs(va_ - vb_) <= (tol))) {                                                     \
            fprintf(stderr, "%s:%d: %s ~= %s failed: %.12g vs %.12g (tol %g)\n", __FILE__,     \
                    __LINE__, #a, #b, va_, vb_, (double)(tol));                                \
            ms_test_failures++;                                                                \
        }                                                                                      \
    } while (0)

#define CHECK_STR_CONTAINS(hay, needle)                                                        \
    do {                                                                                       \
        const char *h_ = (hay), *n_ = (needle);                                                \
        if (!h_ || !strstr(h_, n_)) {                                                          \
            fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__,     \
                    h_ ? h_ : "(null)", n_);                                                   \
            ms_test_failures++;                                                                \
        }                                                                                      \
    } while (0)

#define TEST_DONE()                                                                            \
    do {                                                                                       \
        if (ms_test_failures) {                                                                \
            fprintf(stderr, "%d check(s) failed\n", ms_test_failures);                        \
            return 1;                                                                          \
        }                                                                                      \
        printf("ok\n");                                                                        \
        return 0;                                                                              \
    } while (0)
#endif
