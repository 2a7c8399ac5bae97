/* json_text.c: shortest reals and indented JSON text (see json_text.h). */
#include "sim/json_text.h"

#include <stdlib.h>
#include <string.h>

void ms_real_shortest(char *buf, size_t n, double v)
{
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, n, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

/* A real as a JSON token: shortest digits, ".0" when it would read as an integer, and the
 * exponent without '+' or leading zeros (1e20, 1e-5), as jansson writes it. */
static void real_token(char *buf, size_t n, double v)
{
    ms_real_shortest(buf, n, v);
    char *e = strchr(buf, 'e');
    if (!e) {
        if (!strchr(buf, '.') && strlen(buf) + 3 <= n)
            strcat(buf, ".0");
        return;
    }
    char *digits = e + 1;
    if (*digits == '-')
        digits++;
    char *from = e + 1;
    if (*from == '+' || *from == '-')
        from++;
    while (*from == '0' && from[1])
        from++;
    memmove(digits, from, strlen(from) + 1);
}

static int indent(FILE *f, int depth)
{
    return fprintf(f, "\n%*s", 2 * depth, "") < 0 ? -1 : 0;
}

static int write_value(FILE *f, const json_t *v, int depth)
{
    if (json_is_real(v)) {
        char buf[40];
        real_token(buf, sizeof buf, json_real_value(v));
        return fputs(buf, f) < 0 ? -1 : 0;
    }
    if (json_is_object(v)) {
        if (json_object_size(v) == 0)
            return fputs("{}", f) < 0 ? -1 : 0;
        if (fputc('{', f) == EOF)
            return -1;
        const char *key;
        const json_t *val;
        size_t i = 0;
        json_object_foreach((json_t *)v, key, val)
        {
            json_t *k = json_string(key);
            int bad = (i++ && fputc(',', f) == EOF) || indent(f, depth + 1) < 0 ||
                      json_dumpf(k, f, JSON_ENCODE_ANY) < 0 || fputs(": ", f) < 0 ||
                      write_value(f, val, depth + 1) < 0;
            json_decref(k);
            if (bad)
                return -1;
        }
        return indent(f, depth) < 0 || fputc('}', f) == EOF ? -1 : 0;
    }
    if (json_is_array(v)) {
        if (json_array_size(v) == 0)
            return fputs("[]", f) < 0 ? -1 : 0;
        if (fputc('[', f) == EOF)
            return -1;
        size_t i;
        const json_t *val;
        json_array_foreach(v, i, val)
        {
            if ((i && fputc(',', f) == EOF) || indent(f, depth + 1) < 0 ||
                write_value(f, val, depth + 1) < 0)
                return -1;
        }
        return indent(f, depth) < 0 || fputc(']', f) == EOF ? -1 : 0;
    }
    /* strings (escaped by jansson), integers, true, false, null */
    return json_dumpf(v, f, JSON_ENCODE_ANY);
}

int ms_json_write(FILE *f, const json_t *v)
{
    return write_value(f, v, 0);
}
