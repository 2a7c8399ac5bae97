/* cli.h: what the tools' command lines share.
 *
 * Every tool parses its arguments with getopt_long (GNU forms: --opt=VAL, --opt VAL, -oVAL,
 * -o VAL, unambiguous abbreviations of long options, `--` ending the options), with opterr
 * off and an optstring starting with ':' so that the tool reports a bad argument itself:
 * ms_cli_error turns what getopt_long returned into one line. ms_suggest finds the names
 * closest to a misspelt one, for those lines and for unknown config keys, SimGrid options and
 * log categories. */
#ifndef MS_CLI_H
#define MS_CLI_H

#include <getopt.h>
#include <stddef.h>

/* The usage error line: "PROG: WHAT (see PROG --help)" on stderr. Returns 2, the exit status
 * of bad input. */
int ms_cli_usage(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* getopt_long returned `c` ('?' or ':') for the argument it was at: say which argument and
 * what is wrong with it (unknown, with the closest option names; ambiguous, with the
 * candidates; missing its value; given a value it does not take). Returns 2. */
int ms_cli_error(const char *prog, int c, char *const *argv, const struct option *longopts);

/* The candidates closest to `word`, for "did you mean": those at the smallest edit distance
 * (insertions, deletions, substitutions and swaps of adjacent characters), counting a
 * candidate's tail after a '.' or '/' as one edit away from the whole (so `mode` finds
 * `fetch.mode`), when that distance is at most a third of the word's length (at least 1). At
 * most three, in candidate order, written as "a", "a or b" or "a, b or c", each between
 * `quote` strings; "" when none is close. Returns buf. */
char *ms_suggest(char *buf, size_t size, const char *word, const char *const *cands, size_t n,
                 const char *quote);

#endif
