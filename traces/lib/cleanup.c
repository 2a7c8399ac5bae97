/* cleanup.c: children stopped and paths removed when a signal stops the process (cleanup.h). */
#include "traces/lib/cleanup.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "traces/lib/ms_common.h"

static const int ms_cleanup_sigs[] = {SIGINT, SIGTERM, SIGHUP};
#define MS_N_SIGS (sizeof ms_cleanup_sigs / sizeof ms_cleanup_sigs[0])

static int ms_ignored[MS_N_SIGS];   /* ignored on entry: left so, and so in children */
static char **ms_paths;     /* NULL: a dropped slot */
static int ms_n_paths, ms_cap_paths;
static pid_t *ms_kids;
static int ms_n_kids, ms_cap_kids;

static void ms_block(sigset_t *old)
{
    sigset_t s;
    sigemptyset(&s);
    for (size_t i = 0; i < MS_N_SIGS; i++)
        sigaddset(&s, ms_cleanup_sigs[i]);
    sigprocmask(SIG_BLOCK, &s, old);
}

static void ms_restore(const sigset_t *old) { sigprocmask(SIG_SETMASK, old, NULL); }

static void ms_on_signal(int sig)
{
    for (int i = 0; i < ms_n_kids; i++)
        kill(ms_kids[i], SIGTERM);
    for (int i = 0; i < ms_n_kids; i++)
        while (waitpid(ms_kids[i], NULL, 0) < 0 && errno == EINTR)
            ;
    for (int i = ms_n_paths; i-- > 0;)
        if (ms_paths[i] && unlink(ms_paths[i]) != 0)
            rmdir(ms_paths[i]);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigaction(sig, &sa, NULL);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    raise(sig);
    sigprocmask(SIG_UNBLOCK, &s, NULL);   /* the signal, pending until here, ends the process */
    _exit(128 + sig);
}

void ms_cleanup_on_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = ms_on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < MS_N_SIGS; i++)
        sigaddset(&sa.sa_mask, ms_cleanup_sigs[i]);
    for (size_t i = 0; i < MS_N_SIGS; i++) {
        /* a signal ignored on entry (a background job's SIGINT, nohup's SIGHUP) stays so */
        struct sigaction old;
        ms_ignored[i] = sigaction(ms_cleanup_sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN;
        if (!ms_ignored[i])
            sigaction(ms_cleanup_sigs[i], &sa, NULL);
    }
}

int ms_cleanup_add(const char *path)
{
    size_t n = strlen(path) + 1;
    char *copy = ms_xcalloc(n, 1);
    memcpy(copy, path, n);
    sigset_t old;
    ms_block(&old);
    if (ms_n_paths == ms_cap_paths) {
        ms_cap_paths = ms_cap_paths ? 2 * ms_cap_paths : 16;
        ms_paths = ms_xrealloc(ms_paths, (size_t)ms_cap_paths * sizeof *ms_paths);
    }
    int id = ms_n_paths++;
    ms_paths[id] = copy;
    ms_restore(&old);
    return id;
}

void ms_cleanup_drop(int id)
{
    sigset_t old;
    ms_block(&old);
    MS_ASSERT(id >= 0 && id < ms_n_paths && ms_paths[id]);
    free(ms_paths[id]);
    ms_paths[id] = NULL;
    while (ms_n_paths > 0 && !ms_paths[ms_n_paths - 1])
        ms_n_paths--;
    if (!ms_n_paths) {
        free(ms_paths);
        ms_paths = NULL;
        ms_cap_paths = 0;
    }
    ms_restore(&old);
}

pid_t ms_cleanup_fork(void)
{
    sigset_t old;
    ms_block(&old);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        /* the parent's children and paths are the parent's to clean up */
        ms_n_kids = ms_n_paths = 0;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        for (size_t i = 0; i < MS_N_SIGS; i++) {
            sa.sa_handler = ms_ignored[i] ? SIG_IGN : SIG_DFL;
            sigaction(ms_cleanup_sigs[i], &sa, NULL);
        }
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        ms_restore(&old);
        if (getppid() != parent)   /* the parent died before the line above */
            raise(SIGTERM);
        return 0;
    }
    if (pid > 0) {
        if (ms_n_kids == ms_cap_kids) {
            ms_cap_kids = ms_cap_kids ? 2 * ms_cap_kids : 16;
            ms_kids = ms_xrealloc(ms_kids, (size_t)ms_cap_kids * sizeof *ms_kids);
        }
        ms_kids[ms_n_kids++] = pid;
    }
    ms_restore(&old);
    return pid;
}

void ms_cleanup_reaped(pid_t pid)
{
    sigset_t old;
    ms_block(&old);
    for (int i = 0; i < ms_n_kids; i++)
        if (ms_kids[i] == pid) {
            ms_kids[i] = ms_kids[--ms_n_kids];
            break;
        }
    if (!ms_n_kids) {
        free(ms_kids);
        ms_kids = NULL;
        ms_cap_kids = 0;
    }
    ms_restore(&old);
}
