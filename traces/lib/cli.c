/* cli.c: usage errors and "did you mean" (see cli.h). */
#include "traces/lib/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "traces/lib/ms_common.h"

#define MS_WORD_MAX 255   /* longer words get no suggestion */

int ms_cli_usage(const char *prog, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: %s (see %s --help)\n", prog, ms_one_line(msg), prog);
    return 2;
}

/* Optimal string alignment distance: edits (insert, delete, substitute, swap two adjacent
 * characters) from a[0..la) to b[0..lb), both at most MS_WORD_MAX long. */
static size_t ms_osa(const char *a, size_t la, const char *b, size_t lb)
{
    size_t rows[3][MS_WORD_MAX + 1];
    size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t d = prev[j] + 1;
            if (cur[j - 1] + 1 < d)
                d = cur[j - 1] + 1;
            if (prev[j - 1] + cost < d)
                d = prev[j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                prev2[j - 2] + 1 < d)
                d = prev2[j - 2] + 1;
            cur[j] = d;
        }
        size_t *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb];
}

/* How far `cand` is from `word`: the whole, or one more than a tail after '.' or '/'. */
static size_t ms_distance(const char *word, const char *cand)
{
    size_t lw = strlen(word), lc = strlen(cand);
    if (lc > MS_WORD_MAX)
        return (size_t)-1;
    size_t best = ms_osa(word, lw, cand, lc);
    for (const char *p = cand; *p; p++)
        if ((*p == '.' || *p == '/') && p[1]) {
            size_t d = 1 + ms_osa(word, lw, p + 1, strlen(p + 1));
            if (d < best)
                best = d;
        }
    return best;
}

char *ms_suggest(char *buf, size_t size, const char *word, const char *const *cands, size_t n,
                 const char *quote)
{
    buf[0] = '\0';
    size_t lw = strlen(word);
    if (!lw || lw > MS_WORD_MAX)
        return buf;
    size_t limit = lw / 3 ? lw / 3 : 1, best = limit + 1;
    for (size_t i = 0; i < n; i++) {
        size_t d = ms_distance(word, cands[i]);
        if (d < best)
            best = d;
    }
    if (best > limit)
        return buf;
    const char *pick[3];
    size_t n_pick = 0;
    for (size_t i = 0; i < n && n_pick < 3; i++) {
        if (ms_distance(word, cands[i]) != best)
            continue;
        size_t k = 0;
        while (k < n_pick && strcmp(pick[k], cands[i]))
            k++;
        if (k == n_pick)
            pick[n_pick++] = cands[i];
    }
    size_t used = 0;
    for (size_t k = 0; k < n_pick && used < size; k++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s%s%s",
                                 k == 0 ? "" : k + 1 == n_pick ? " or " : ", ", quote, pick[k],
                                 quote);
    return buf;
}

/* The long options whose name starts with the `len` bytes of `name`, as "--NAME" strings in
 * `out` (at most `max`); returns how many there are in all. */
static size_t ms_long_matches(const struct option *lo, const char *name, size_t len,
                              const char **out, size_t max)
{
    size_t n = 0;
    for (; lo->name; lo++)
        if (!strncmp(lo->name, name, len)) {
            if (n < max)
                out[n] = lo->name;
            n++;
        }
    return n;
}

/* "unknown option '--WORD'", with the closest of the long options. */
static int ms_cli_unknown(const char *prog, const char *arg, int len, const struct option *lo)
{
    size_t n_lo = 0;
    while (lo[n_lo].name)
        n_lo++;
    char **names = ms_xcalloc(n_lo, sizeof *names);
    for (size_t k = 0; k < n_lo; k++) {
        size_t sz = strlen(lo[k].name) + 3;
        names[k] = ms_xcalloc(sz, 1);
        snprintf(names[k], sz, "--%s", lo[k].name);
    }
    char word[MS_WORD_MAX + 1], hint[600];
    snprintf(word, sizeof word, "%.*s", len, arg);
    ms_suggest(hint, sizeof hint, word, (const char *const *)names, n_lo, "'");
    for (size_t k = 0; k < n_lo; k++)
        free(names[k]);
    free(names);
    if (hint[0])
        return ms_cli_usage(prog, "unknown option '%.*s'; did you mean %s?", len, arg, hint);
    return ms_cli_usage(prog, "unknown option '%.*s'", len, arg);
}

int ms_cli_error(const char *prog, int c, char *const *argv, const struct option *lo)
{
    const char *arg = optind > 0 ? argv[optind - 1] : "";
    int is_long = !strncmp(arg, "--", 2);
    const char *eq = is_long ? strchr(arg, '=') : NULL;
    int len = eq ? (int)(eq - arg) : (int)strlen(arg);
    if (c == ':') {
        if (is_long)
            return ms_cli_usage(prog, "option '%.*s' needs a value", len, arg);
        return ms_cli_usage(prog, "option '-%c' needs a value", optopt);
    }
    if (is_long) {
        /* the option named whole, else the one it abbreviates; getopt_long stopped there
         * because it is none, several, or one that takes no value and was given one */
        const char *m[8], *exact = NULL;
        size_t n = ms_long_matches(lo, arg + 2, (size_t)len - 2, m, 8);
        for (const struct option *o = lo; o->name; o++)
            if (strlen(o->name) == (size_t)len - 2 && !strncmp(o->name, arg + 2, (size_t)len - 2))
                exact = o->name;
        const char *named = exact ? exact : n == 1 ? m[0] : NULL;
        if (named && eq) {
            for (const struct option *o = lo; o->name; o++)
                if (o->name == named && o->has_arg == no_argument)
                    return ms_cli_usage(prog, "option '--%s' takes no value", named);
        } else if (!named && n > 1) {
            char list[512];
            size_t used = 0;
            for (size_t k = 0; k < n && k < 8 && used < sizeof list; k++)
                used += (size_t)snprintf(list + used, sizeof list - used, "%s--%s",
                                         k ? ", " : "", m[k]);
            return ms_cli_usage(prog, "option '%.*s' is ambiguous: %s%s", len, arg, list,
                                n > 8 ? ", ..." : "");
        } else if (!named) {
            return ms_cli_unknown(prog, arg, len, lo);
        }
        /* else a valid long option before an unknown short one in a group (-qx) */
    }
    return ms_cli_usage(prog, "unknown option '-%c'", optopt);
}
