/* simgrid_options.c: --cfg and --log checked before any run (see simgrid_options.h).
 *
 * What SimGrid accepts is found by asking it: a child process runs simgrid_init with the one
 * option and its output captured (SimGrid reports a bad option on stderr and aborts, or ends
 * with an uncaught exception), and its report is summed up in one line. mindsim's own rules
 * are checked first, in this process, so that the child never acts on an option refused here
 * (a log appender would create its file). */
#include "sim/simgrid_options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <simgrid/engine.h>
#include <xbt/log.h>

#include "traces/lib/cli.h"

#define MS_MODEL_WHY "mindsim fixes SimGrid's network and host models (CM02 with crosstraffic 0 " \
                     "and TCP-gamma 0: the calibration of docs/model.md)"
#define MS_SERIAL_WHY "mindsim's actors share the model's state and run one at a time"

/* SimGrid's configuration options by name, or by family ("network/": network/model,
 * network/TCP-gamma, ...). The first row that matches decides: a NULL reason accepts, and so does
 * the value mindsim sets itself. An option in no row is accepted if SimGrid knows it (the
 * debug/ family, exception/cutpath, ...). */
static const struct {
    const char *name, *refused;
    const char *fixed;   /* the value mindsim sets itself (platform.c), accepted */
} ms_cfg_rules[] = {
    /* how SimGrid computes the same model: accepted */
    {"network/optim", NULL, NULL},
    {"network/maxmin-selective-update", NULL, NULL},
    {"cpu/optim", NULL, NULL},
    {"cpu/maxmin-selective-update", NULL, NULL},
    {"contexts/nthreads", MS_SERIAL_WHY, NULL},
    {"contexts/synchro", MS_SERIAL_WHY, NULL},
    {"contexts/", NULL, NULL},
    {"maxmin/", NULL, NULL},
    {"surf/precision", NULL, NULL},
    /* what is modelled, and what has no place in a mindsim run: refused */
    {"network/model", MS_MODEL_WHY, "CM02"},
    {"network/crosstraffic", MS_MODEL_WHY, "0"},
    {"network/TCP-gamma", MS_MODEL_WHY, "0"},
    {"network/", MS_MODEL_WHY, NULL},
    {"host/", MS_MODEL_WHY, NULL},
    {"cpu/", MS_MODEL_WHY, NULL},
    {"disk/", MS_MODEL_WHY, NULL},
    {"bmf/", MS_MODEL_WHY, NULL},
    {"ns3/", MS_MODEL_WHY, NULL},
    {"smpi/", "mindsim runs no MPI program", NULL},
    {"tracing/", "each fetch mode runs in a process of its own, and their trace files would "
                 "overwrite each other", NULL},
    {"cmonkey/", "the chaos monkey turns resources off, which mindsim's model does not "
                 "handle", NULL},
    {"model-check/", "mindsim does not run under SimGrid's model checker", NULL},
    {"plugin/", "no SimGrid plugin takes part in mindsim's model", NULL},
};
#define MS_N_CFG_RULES (sizeof ms_cfg_rules / sizeof ms_cfg_rules[0])

/* The reason option `name` (n bytes) set to `value` (vn bytes; NULL: any value) is refused,
 * or NULL. A family "X/" also covers "X" itself. */
static const char *ms_cfg_refusal(const char *name, size_t n, const char *value, size_t vn)
{
    for (size_t i = 0; i < MS_N_CFG_RULES; i++) {
        const char *r = ms_cfg_rules[i].name;
        size_t rn = strlen(r);
        int family = r[rn - 1] == '/';
        if ((n == rn && !strncmp(name, r, n)) ||
            (family && n >= rn - 1 && !strncmp(name, r, rn - 1) &&
             (n == rn - 1 || name[rn - 1] == '/')))
            return value && ms_cfg_rules[i].fixed && strlen(ms_cfg_rules[i].fixed) == vn &&
                           !strncmp(value, ms_cfg_rules[i].fixed, vn)
                       ? NULL
                       : ms_cfg_rules[i].refused;
    }
    return NULL;
}

/* Run simgrid_init with the one option --FLAG=VALUE (whole, however long) in a child process.
 * Returns 0 if SimGrid takes it; else 1 with what the child printed in *said (malloc'ed,
 * NUL-terminated); -1 with err if no child could be run. */
static int ms_probe(const char *flag, const char *value, char **said, struct ms_err *err)
{
    int fd[2];
    if (pipe(fd) < 0)
        return ms_err_set(err, "cannot check SimGrid's options: pipe: %s", strerror(errno));
    size_t arg_len = strlen(flag) + strlen(value) + 4;
    char *arg = ms_xcalloc(arg_len, 1);
    snprintf(arg, arg_len, "--%s=%s", flag, value);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        free(arg);
        close(fd[0]);
        close(fd[1]);
        return ms_err_set(err, "cannot check SimGrid's options: fork: %s", strerror(errno));
    }
    if (pid == 0) {
        /* the message alone on each line; no note of each option set */
        char *argv[] = {"mindsim", "--log=root.fmt:%m%n", "--log=xbt_cfg.thres:critical",
                        arg, NULL};
        int argc = 4;
        close(fd[0]);
        dup2(fd[1], STDOUT_FILENO);
        dup2(fd[1], STDERR_FILENO);
        close(fd[1]);
        simgrid_init(&argc, argv);
        _exit(0);
    }
    free(arg);
    close(fd[1]);
    size_t cap = 4096, n = 0;
    char *text = ms_xcalloc(cap, 1);
    for (;;) {
        if (n + 1 >= cap)
            text = ms_xrealloc(text, cap *= 2);
        ssize_t got = read(fd[0], text + n, cap - n - 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    text[n] = '\0';
    close(fd[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        free(text);
        return 0;
    }
    *said = text;
    return 1;
}

/* The next line of `*p` (cut in place), or NULL at the end. */
static char *ms_next_line(char **p)
{
    if (!*p || !**p)
        return NULL;
    char *line = *p, *nl = strchr(line, '\n');
    if (nl) {
        *nl = '\0';
        *p = nl + 1;
    } else {
        *p = NULL;
    }
    return line;
}

/* SimGrid's report in one line: its first line of text (an uncaught exception's type left
 * out) and, when that line ends with ':', the names of the indented list after it ("  raw:
 * ...", "  - 'Full': ..."). The names of "Existing config keys:" (listed after an unknown
 * option) go to `keys` instead. */
static void ms_summary(char *text, char *out, size_t n, const char ***keys, size_t *n_keys)
{
    char *p = text, *line;
    size_t used = 0;
    int in_keys = 0, in_list = 0;
    out[0] = '\0';
    while ((line = ms_next_line(&p))) {
        size_t len = strlen(line);
        while (len && (line[len - 1] == ' ' || line[len - 1] == '\r'))
            line[--len] = '\0';
        int indented = line[0] == ' ';
        char *item = line + strspn(line, " ");
        if (!strcmp(line, "Existing config keys:")) {
            in_keys = 1;
            continue;
        }
        if (in_keys && indented) {
            char *colon = strchr(item, ':');
            if (colon) {
                *colon = '\0';
                *keys = ms_xrealloc(*keys, (*n_keys + 1) * sizeof **keys);
                (*keys)[(*n_keys)++] = item;
            }
            continue;
        }
        in_keys = 0;
        if (!used) {
            if (!*item || !strncmp(item, "Backtrace", 9) || !strncmp(item, "->", 2))
                continue;
            if (!strncmp(item, "Uncaught exception ", 19) && strstr(item, ": "))
                item = strstr(item, ": ") + 2;
            used = (size_t)snprintf(out, n, "%s", item);
            if (used >= n)
                used = n - 1;
            in_list = used && item[strlen(item) - 1] == ':';
        } else if (in_list && indented && used < n) {
            if (!strncmp(item, "- ", 2))
                item += 2;
            char *colon = strchr(item, ':');
            if (colon)
                *colon = '\0';
            int first = out[used - 1] == ':';
            used += (size_t)snprintf(out + used, n - used, "%s%s", first ? " " : ", ", item);
            if (used >= n)
                used = n - 1;
        } else {
            in_list = 0;
        }
    }
    if (!used)
        snprintf(out, n, "rejected by SimGrid");
}

/* An option's value in an error line, at most 160 characters of it ("%.*s%s"): what is wrong
 * comes after it and must fit. */
#define MS_SHOWN_MAX 160
#define MS_SHOWN(v)                                                                   \
    (int)(strlen(v) > MS_SHOWN_MAX ? MS_SHOWN_MAX : strlen(v)), (v),                  \
        strlen(v) > MS_SHOWN_MAX ? "..." : ""

/* ms_probe, and when SimGrid refuses the option, its report in one line in `msg` (n bytes)
 * and the config keys it listed in *keys (pointing into *said; the caller frees both). */
static int ms_probe_summary(const char *flag, const char *value, char **said, char *msg,
                            size_t n, const char ***keys, size_t *n_keys, struct ms_err *err)
{
    int rc = ms_probe(flag, value, said, err);
    if (rc > 0)
        ms_summary(*said, msg, n, keys, n_keys);
    return rc;
}

int ms_simgrid_check_cfg(const char *value, struct ms_err *err)
{
    /* mindsim's rules, option by option, split as SimGrid splits them */
    for (const char *p = value; *p;) {
        p += strspn(p, " \t\n,");
        size_t len = strcspn(p, " \t\n,"), name_len = strcspn(p, ":");
        if (name_len < len) {
            const char *why = ms_cfg_refusal(p, name_len, p + name_len + 1, len - name_len - 1);
            if (why)
                return ms_err_set(err, "--cfg=%.*s%s: %.*s: %s", MS_SHOWN(value),
                                  (int)name_len, p, why);
        }
        p += len;
    }
    char *said = NULL, msg[600], hint[600] = "";
    const char **keys = NULL;
    size_t n_keys = 0;
    int rc = ms_probe_summary("cfg", value, &said, msg, sizeof msg, &keys, &n_keys, err);
    if (rc <= 0)
        return rc;
    const char *bad = strstr(msg, "Bad config key: ");
    if (bad) {
        /* suggest among the options mindsim accepts */
        size_t k = 0;
        for (size_t i = 0; i < n_keys; i++)
            if (!ms_cfg_refusal(keys[i], strlen(keys[i]), NULL, 0))
                keys[k++] = keys[i];
        char names[500];
        ms_suggest(names, sizeof names, bad + 16, keys, k, "");
        if (names[0])
            snprintf(hint, sizeof hint, " (did you mean %s?)", names);
    }
    ms_err_set(err, "--cfg=%.*s%s: SimGrid: %s%s", MS_SHOWN(value), msg, hint);
    free(keys);
    free(said);
    return -1;
}

/* Every log category's name, depth first from `c`. */
static void ms_log_categories(xbt_log_category_t c, const char ***names, size_t *n)
{
    for (; c; c = c->nextSibling) {
        *names = ms_xrealloc(*names, (*n + 1) * sizeof **names);
        (*names)[(*n)++] = c->name;
        ms_log_categories(c->firstChild, names, n);
    }
}

/* Whether `name` (n bytes) is a log category of this program (SimGrid's or mindsim's; each is
 * linked into the tree when the program starts). If not, a hint names the closest. */
static int ms_log_category_known(const char *name, size_t n, char *hint, size_t hint_size)
{
    const char **names = NULL;
    size_t n_names = 0;
    ms_log_categories(&_XBT_LOGV(XBT_LOG_ROOT_CAT), &names, &n_names);
    int known = 0;
    for (size_t i = 0; i < n_names && !known; i++)
        known = strlen(names[i]) == n && !strncmp(names[i], name, n);
    hint[0] = '\0';
    if (!known) {
        char word[256], close[500];
        snprintf(word, sizeof word, "%.*s", (int)n, name);
        if (ms_suggest(close, sizeof close, word, names, n_names, "")[0])
            snprintf(hint, hint_size, " (did you mean %s?)", close);
    }
    free(names);
    return known;
}

int ms_simgrid_check_log(const char *value, struct ms_err *err)
{
    /* CATEGORY.SETTING:VALUE (or =VALUE), as SimGrid reads it: SETTING is any prefix of
     * threshold, additivity, appender or fmt, tried in that order; the values are SimGrid's
     * to check */
    static const char *const settings[] = {"threshold", "additivity", "appender", "fmt"};
    for (const char *p = value; *p && strcmp(value, "no_loc");) {
        p += strspn(p, " \t\n");
        size_t len = strcspn(p, " \t\n");
        if (!len)
            break;
        size_t name_len = strcspn(p, ".:= \t\n");
        const char *opt = p + name_len + 1;
        size_t opt_len = p[name_len] == '.' ? strcspn(opt, ":= \t\n") : 0;
        if (p[name_len] != '.' || (opt[opt_len] != ':' && opt[opt_len] != '='))
            return ms_err_set(err, "--log=%.*s%s: '%.*s' is not CATEGORY.SETTING:VALUE (such as "
                              "root.thres:info)", MS_SHOWN(value), (int)len, p);
        char hint[600];
        if (!ms_log_category_known(p, name_len, hint, sizeof hint))
            return ms_err_set(err, "--log=%.*s%s: no log category '%.*s'%s", MS_SHOWN(value),
                              (int)name_len, p, hint);
        size_t s = 0;
        while (s < 4 && strncmp(opt, settings[s], opt_len))
            s++;
        if (s == 4)
            return ms_err_set(err, "--log=%.*s%s: unknown setting '%.*s' (threshold, additivity, "
                              "appender or fmt, or a prefix: thres, add, app)", MS_SHOWN(value),
                              (int)opt_len, opt);
        if (s == 2)
            return ms_err_set(err, "--log=%.*s%s: log appenders are not supported: each fetch mode "
                              "runs in a process of its own, and they would all write the "
                              "same file (SimGrid logs to stderr)", MS_SHOWN(value));
        p += len;
    }
    char *said = NULL, msg[600];
    const char **keys = NULL;
    size_t n_keys = 0;
    int rc = ms_probe_summary("log", value, &said, msg, sizeof msg, &keys, &n_keys, err);
    if (rc <= 0)
        return rc;
    ms_err_set(err, "--log=%.*s%s: SimGrid: %s", MS_SHOWN(value), msg);
    free(keys);
    free(said);
    return -1;
}
