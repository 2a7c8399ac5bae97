/* test_json_text: shortest reals read back exactly, and the indented JSON text is jansson's
 * layout with those reals. */
#include <float.h>
#include <stdlib.h>

#include "sim/json_text.h"
#include "tests/unit/ms_test.h"

static void shortest(double v, const char *want)
{
    char buf[40];
    ms_real_shortest(buf, sizeof buf, v);
    if (strcmp(buf, want)) {
        fprintf(stderr, "ms_real_shortest(%.17g) = %s, want %s\n", v, buf, want);
        ms_test_failures++;
    }
    CHECK(strtod(buf, NULL) == v);
}

static char *text(const json_t *v)
{
    char *s = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&s, &n);
    CHECK(ms_json_write(f, v) == 0);
    fclose(f);
    return s;
}

int main(void)
{
    shortest(4.575, "4.575");            /* jansson: 4.5750000000000002 */
    shortest(0.1, "0.1");                 /* jansson: 0.10000000000000001 */
    shortest(0.1 + 0.2, "0.30000000000000004"); /* needs all 17 */
    shortest(1.0 / 3.0, "0.3333333333333333");  /* 16 */
    shortest(90.0, "90");
    shortest(1e20, "1e+20");
    shortest(5e-324, "4.94065645841247e-324");
    shortest(DBL_MAX, "1.7976931348623157e+308");
    shortest(-0.5, "-0.5");
    /* every digit count is the shortest one: a pseudo-random sweep of doubles read back */
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < 100000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double v = (double)(x >> 11) / (double)(1ull << 53) * 1e3;
        char buf[40], shorter[40];
        ms_real_shortest(buf, sizeof buf, v);
        CHECK(strtod(buf, NULL) == v);
        int len = (int)strlen(buf);
        snprintf(shorter, sizeof shorter, "%.14g", v);   /* fewer digits never read back better */
        if (strtod(shorter, NULL) == v)
            CHECK(len <= (int)strlen(shorter));
    }

    json_t *doc = json_pack("{s:f, s:f, s:f, s:f, s:f, s:I, s:s, s:{}, s:[], s:[f, b, n], s:{s:f}}",
                            "a", 4.575, "b", 1.0, "c", 1e20, "d", 1e-5, "e", 0.30000000000000004,
                            "n", (json_int_t)-7, "s", "q\"\\\n/é", "eo", "ea", "arr", 2.5, 1,
                            "o", "x", 1e-300);
    char *s = text(doc);
    const char *want =
        "{\n"
        "  \"a\": 4.575,\n"
        "  \"b\": 1.0,\n"
        "  \"c\": 1e20,\n"
        "  \"d\": 1e-5,\n"
        "  \"e\": 0.30000000000000004,\n"
        "  \"n\": -7,\n"
        "  \"s\": \"q\\\"\\\\\\n/é\",\n"
        "  \"eo\": {},\n"
        "  \"ea\": [],\n"
        "  \"arr\": [\n"
        "    2.5,\n"
        "    true,\n"
        "    null\n"
        "  ],\n"
        "  \"o\": {\n"
        "    \"x\": 1e-300\n"
        "  }\n"
        "}";
    if (strcmp(s, want)) {
        fprintf(stderr, "ms_json_write:\n%s\nwant:\n%s\n", s, want);
        ms_test_failures++;
    }
    /* it reads back as the same document */
    json_error_t jerr;
    json_t *back = json_loads(s, 0, &jerr);
    CHECK(back && json_equal(back, doc));
    free(s);
    json_decref(back);

    /* without reals, the text is jansson's own */
    json_t *plain = json_pack("{s:[i, {s:s}], s:{}, s:[[]]}", "k", 1, "z", "w", "e", "l");
    char *mine = text(plain), *theirs = json_dumps(plain, JSON_INDENT(2));
    if (strcmp(mine, theirs)) {
        fprintf(stderr, "ms_json_write:\n%s\njansson:\n%s\n", mine, theirs);
        ms_test_failures++;
    }
    free(mine);
    free(theirs);
    json_decref(plain);
    json_decref(doc);
    TEST_DONE();
}
