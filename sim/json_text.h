/* json_text.h: numbers and JSON text the way mindsim writes them.
 *
 * jansson prints every real with 17 significant digits (4.5750000000000002). Results read and
 * diff better with the fewest digits that read back as the same double (4.575): that is what
 * every results file, CSV and message uses. Nothing is rounded: strtod of the text gives the
 * double back exactly. */
#ifndef MS_JSON_TEXT_H
#define MS_JSON_TEXT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* The first of %.15g, %.16g, %.17g that reads back as `v` (17 digits always do). */
void ms_real_shortest(char *buf, size_t n, double v);

/* `v` as indented JSON (two spaces, the layout of jansson's JSON_INDENT(2), keys in their
 * order), reals as ms_real_shortest with ".0" added to an integral one so that it reads back
 * as a real; no newline after it. 0, or -1 on a write error (errno set). */
int ms_json_write(FILE *f, const json_t *v);

#endif
