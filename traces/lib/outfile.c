/* outfile.c: output files put in place whole, or written in place when they are not files
 * (see outfile.h). */
#include "traces/lib/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "traces/lib/cleanup.h"

/* The file `path` leads to through symbolic links: `path` itself when it is not a link. A
 * loop of links is left for open() to report. */
static char *ms_out_follow(const char *path)
{
    char *cur = ms_xstrdup(path);
    char link[PATH_MAX];
    for (int hops = 0; hops < 40; hops++) {
        ssize_t n = readlink(cur, link, sizeof link - 1);
        if (n < 0)
            break;
        link[n] = 0;
        /* a relative link is relative to the directory holding it */
        const char *slash = strrchr(cur, '/');
        size_t dl = link[0] == '/' || !slash ? 0 : (size_t)(slash - cur) + 1;
        char *next = ms_xcalloc(dl + (size_t)n + 1, 1);
        memcpy(next, cur, dl);
        memcpy(next + dl, link, (size_t)n + 1);
        free(cur);
        cur = next;
    }
    return cur;
}

static const char *ms_out_name(const struct ms_out *o)
{
    return strcmp(o->path, "-") ? o->path : "stdout";
}

static int ms_out_fail(const struct ms_out *o, int e, struct ms_err *err)
{
    return ms_err_set(err, "%s: cannot write: %s", ms_out_name(o), strerror(e ? e : EIO));
}

static void ms_out_free(struct ms_out *o)
{
    free(o->path);
    free(o->target);
    free(o->tmp);
    free(o);
}

/* An unnamed temporary file in $TMPDIR, open for reading and writing. */
static int ms_out_unnamed(void)
{
    const char *dir = getenv("TMPDIR");
    char name[PATH_MAX];
    snprintf(name, sizeof name, "%s/mindsim-out.XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkostemp(name, O_CLOEXEC);
    if (fd >= 0)
        unlink(name);
    return fd;
}

struct ms_out *ms_out_open(const char *path, unsigned mode, int flags, struct ms_err *err)
{
    struct ms_out *o = ms_xcalloc(1, sizeof *o);
    o->path = ms_xstrdup(path);
    o->tmp_id = -1;
    o->copy_fd = -1;
    int std = !strcmp(path, "-"), fd;
    struct stat st;
    int exists = 0;
    if (!std) {
        o->target = ms_out_follow(path);
        exists = stat(o->target, &st) == 0;
        if (!exists && errno != ENOENT)
            goto fail;
        if (exists && S_ISDIR(st.st_mode)) {
            errno = EISDIR;
            goto fail;
        }
    }
    if (std || (exists && !S_ISREG(st.st_mode))) {
        /* in place: a device, FIFO or socket stays what it is */
        fd = std ? STDOUT_FILENO : open(o->target, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
            goto fail;
        if (!(flags & MS_OUT_SEEKS)) {
            o->f = std ? stdout : fdopen(fd, "wb");
            if (o->f)
                return o;
            if (!std)
                close(fd);
            goto fail;
        }
        o->copy_fd = fd;
        if ((fd = ms_out_unnamed()) < 0 || !(o->f = fdopen(fd, "w+b"))) {
            int e = errno;
            if (fd >= 0)
                close(fd);
            if (!std)
                close(o->copy_fd);
            errno = e;
            goto fail;
        }
        return o;
    }
    /* a regular file, or none yet: a temporary file beside it, renamed over it at commit */
    size_t n = strlen(o->target) + 16;
    o->tmp = ms_xcalloc(n, 1);
    snprintf(o->tmp, n, "%s.tmp.XXXXXX", o->target);
    fd = mkostemp(o->tmp, O_CLOEXEC);
    if (fd < 0)
        goto fail;
    o->tmp_id = ms_cleanup_add(o->tmp);
    mode_t um = umask(0);
    umask(um);
    if (fchmod(fd, exists ? st.st_mode & 07777 : (mode_t)mode & ~um) != 0 ||
        !(o->f = fdopen(fd, "wb"))) {
        int e = errno;
        close(fd);
        errno = e;
        goto fail;
    }
    return o;
fail:
    ms_out_fail(o, errno, err);
    if (o->tmp_id >= 0) {
        unlink(o->tmp);
        ms_cleanup_drop(o->tmp_id);
    }
    ms_out_free(o);
    return NULL;
}

/* Copy the temporary file to the target written in place. 0 or an errno value. */
static int ms_out_copy(struct ms_out *o)
{
    int in = fileno(o->f);
    if (lseek(in, 0, SEEK_SET) != 0)
        return errno;
    char buf[1 << 16];
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? errno : 0;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(o->copy_fd, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                return errno;
            off += w;
        }
    }
}

int ms_out_flush(struct ms_out *o, struct ms_err *err)
{
    if (!o->flushed) {
        o->flushed = 1;
        errno = 0;
        if (fflush(o->f) != 0 || ferror(o->f))
            o->error = errno ? errno : EIO;
        else if (o->copy_fd >= 0)
            o->error = ms_out_copy(o);
        else if (o->tmp && fsync(fileno(o->f)) != 0)
            o->error = errno;
        if (o->error && o->f == stdout) {
            /* reported by the caller: not again by the check at exit */
            __fpurge(stdout);
            clearerr(stdout);
        }
    }
    return o->error ? ms_out_fail(o, o->error, err) : 0;
}

int ms_out_commit(struct ms_out *o, struct ms_err *err)
{
    int e = ms_out_flush(o, err) < 0 ? o->error : 0;
    if (o->f != stdout && fclose(o->f) != 0 && !e)
        e = errno;
    if (o->copy_fd >= 0 && o->copy_fd != STDOUT_FILENO && close(o->copy_fd) != 0 && !e)
        e = errno;
    if (!e && o->tmp && rename(o->tmp, o->target) != 0)
        e = errno;
    if (o->tmp) {
        if (e)
            unlink(o->tmp);
        ms_cleanup_drop(o->tmp_id);
    }
    if (e)
        ms_out_fail(o, e, err);
    ms_out_free(o);
    return e ? -1 : 0;
}

void ms_out_discard(struct ms_out *o)
{
    if (!o)
        return;
    if (o->f != stdout)
        fclose(o->f);
    if (o->copy_fd >= 0 && o->copy_fd != STDOUT_FILENO)
        close(o->copy_fd);
    if (o->tmp) {
        unlink(o->tmp);
        ms_cleanup_drop(o->tmp_id);
    }
    ms_out_free(o);
}

int ms_out_check_input(const char *out, const char *in, const char *what, struct ms_err *err)
{
    struct stat a, b;
    if (!strcmp(out, "-") || stat(out, &a) != 0 || stat(in, &b) != 0 || S_ISCHR(a.st_mode))
        return 0;
    if (S_ISDIR(b.st_mode)) {
        /* a directory input (a MIND trace) is read file by file: `out` must not be one */
        char *t = ms_out_follow(out), *slash = strrchr(t, '/');
        if (slash)
            slash[slash == t] = 0;   /* "/x" -> "/" */
        int inside = stat(slash ? t : ".", &a) == 0;
        free(t);
        if (!inside || a.st_dev != b.st_dev || a.st_ino != b.st_ino)
            return 0;
        return ms_err_set(err, "%s: the output would overwrite a file of %s %s", out, what, in);
    }
    if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
        return 0;
    return ms_err_set(err, "%s: the output would overwrite %s %s", out, what, in);
}

static const char *ms_out_prog;

static void ms_out_stdout_exit(void)
{
    errno = 0;
    int e = fflush(stdout) != 0 || ferror(stdout) ? (errno ? errno : EIO) : 0;
    if (fclose(stdout) != 0 && !e)
        e = errno ? errno : EIO;
    if (e) {
        fprintf(stderr, "%s: stdout: cannot write: %s\n", ms_out_prog, strerror(e));
        _exit(2);
    }
}

void ms_out_check_stdout_at_exit(const char *prog)
{
    ms_out_prog = prog;
    atexit(ms_out_stdout_exit);
}
