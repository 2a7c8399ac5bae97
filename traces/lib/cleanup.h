/* cleanup.h: what a tool leaves behind when SIGINT, SIGTERM or SIGHUP stops it: nothing.
 *
 * A tool calls ms_cleanup_on_signals() once. From then on, such a signal stops every child
 * process started with ms_cleanup_fork (SIGTERM, then waits for it: a child that is itself a
 * mindsim tool cleans up after itself the same way), removes every path registered with
 * ms_cleanup_add (newest first, so files registered after their directory go before it; a
 * directory is removed with rmdir, so it must be empty by then), and ends the process by the
 * same signal, so its parent sees it killed by that signal (the shell reports 128 + the signal
 * number). The handler uses only async-signal-safe calls; the lists it reads are changed with
 * the signals blocked.
 *
 * Children also stop when their parent dies without running the handler (SIGKILL, a crash):
 * ms_cleanup_fork sets PR_SET_PDEATHSIG to SIGTERM in the child. A child starts with the
 * dispositions the parent had on entry and empty lists: what it registers is its own. */
#ifndef MS_CLEANUP_H
#define MS_CLEANUP_H

#include <sys/types.h>

/* Install the handlers for SIGINT, SIGTERM and SIGHUP (those not ignored on entry). */
void ms_cleanup_on_signals(void);
/* Remove `path` (a file, or a directory that will be empty) if a signal stops the process.
 * Returns an id for ms_cleanup_drop. */
int ms_cleanup_add(const char *path);
/* Forget the path registered under `id` (it was removed, or is to be kept). */
void ms_cleanup_drop(int id);
/* fork(); in the parent the child is stopped if a signal stops the parent, until
 * ms_cleanup_reaped(pid). Returns what fork() returns. */
pid_t ms_cleanup_fork(void);
/* The child `pid` has been waited for. */
void ms_cleanup_reaped(pid_t pid);

#endif
