/* registry.h: the names a config key chooses from.
 *
 * A family of policies (fetch.mode, fetch.bitmap, fetch.sg_policy, cpu_blades.replacement,
 * ctrl_plane.placement, workload.allocator, workload.generator) is one table of rows, kept in
 * the model file that lists the family: each row a name, one line of help and the family's
 * ops. The table ends with a row whose name is NULL, and a row's index is what the config
 * stores. Rules that the models test by value (cpu_blades.first_touch, fetch.unknown_layout,
 * ...) have a table of the same form, without ops, indexed by their enum. The config schema
 * (sim/config.c) takes a key's names and their help from its table, and error messages list
 * the names from it too: a name is written in one place only. docs/model.md, "Adding a
 * policy", walks through adding a row. */
#ifndef MS_REGISTRY_H
#define MS_REGISTRY_H

#include <stddef.h>

struct ms_choice {
    const char *name;       /* as the config spells it; NULL ends the table */
    const char *help;       /* one line: what choosing it does */
    const void *ops;        /* the family's ops struct (NULL for a rule) */
};

/* Rows before the terminator. */
size_t ms_choice_count(const struct ms_choice *t);
/* Index of `name` in t, or -1. */
int ms_choice_find(const struct ms_choice *t, const char *name);
/* The names for a message: "a", "b", "c" (quoted, comma-separated), cut at n bytes. */
void ms_choice_list(const struct ms_choice *t, char *buf, size_t n);

#endif
