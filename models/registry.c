/* registry.c: looking names up in a family's table (see registry.h). */
#include "models/registry.h"

#include <stdio.h>
#include <string.h>

size_t ms_choice_count(const struct ms_choice *t)
{
    size_t n = 0;
    while (t[n].name)
        n++;
    return n;
}

int ms_choice_find(const struct ms_choice *t, const char *name)
{
    for (int i = 0; name && t[i].name; i++)
        if (strcmp(t[i].name, name) == 0)
            return i;
    return -1;
}

void ms_choice_list(const struct ms_choice *t, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; t[i].name && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, "%s\"%s\"", i ? ", " : "", t[i].name);
}
