/* droptest CLI — the files a command writes (cli_files.h): what an output
 * path names is looked at once, before any run, and written by its kind
 * (docs/design.md §8). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_files.h"
#include "base/sim_assert.h"

/* How an output reaches what its path names. */
typedef enum dt__output_kind {
    DT__OUTPUT_RENAME,   /* a regular file or nothing yet: a temporary
                          * beside it, renamed into place */
    DT__OUTPUT_IN_PLACE, /* a character device or a FIFO: opened when the
                          * output is ready and written, never replaced */
    DT__OUTPUT_STD,      /* the regular file stdout or stderr writes: the
                          * output goes through that descriptor, after what
                          * the command printed, instead of replacing it */
    DT__OUTPUT_DIR,      /* a directory the command writes files in */
} dt__output_kind;

/* One output path, as its check found it. */
typedef struct dt__output {
    const char *path;              /* as given: messages name it */
    char target[DT__CLI_PATH_MAX]; /* what is written: path, or where its
                                    * symlinks lead */
    char tmp[DT__CLI_PATH_MAX + 48]; /* RENAME: made by the check */
    int tmp_fd;                    /* RENAME: open on tmp until written */
    int std_fd;                    /* STD: 1 or 2 */
    dt__output_kind kind;
    bool made_dir;                 /* DIR: the check created it */
    bool done;                     /* written or discarded */
    pid_t owner;                   /* the process that made tmp or the dir:
                                    * only it removes them */
} dt__output;

/* The outputs a command's checks prepared: a command has a few. */
#define DT__OUTPUTS_MAX 8
static dt__output dt__outputs[DT__OUTPUTS_MAX];
static size_t dt__output_count;

/* Where a message goes: dt__cli_usage before any run, dt__cli_internal
 * when a file is only found out at write time. */
typedef int (*dt__say_fn)(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* ---- what a path names --------------------------------------------------- */

/* The directory part of path, "." if none. */
static void dt__dirname(const char *path, char *dir, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, size, ".");
    else if (slash == path)
        snprintf(dir, size, "/");
    else
        snprintf(dir, size, "%.*s", (int)(slash - path), path);
}

static int dt__copy_path(char *dst, size_t size, const char *src)
{
    if (strlen(src) >= size)
        return ENAMETOOLONG;
    memcpy(dst, src, strlen(src) + 1);
    return 0;
}

/* The name a dangling symlink chain from path ends at (that name does
 * not exist): a relative link is read from its own directory. Returns 0
 * or an errno. */
static int dt__follow_dangling(const char *path, char *target, size_t size)
{
    char cur[DT__CLI_PATH_MAX], link[DT__CLI_PATH_MAX];
    char next[DT__CLI_PATH_MAX], dir[DT__CLI_PATH_MAX];
    int e = dt__copy_path(cur, sizeof cur, path);
    for (int hops = 0; e == 0 && hops < 40; hops++) {
        ssize_t n = readlink(cur, link, sizeof link - 1);
        if (n < 0)
            return errno;
        link[n] = '\0';
        dt__dirname(cur, dir, sizeof dir);
        int len = link[0] == '/'
                      ? snprintf(next, sizeof next, "%s", link)
                      : snprintf(next, sizeof next, "%s/%s", dir, link);
        if (len < 0 || (size_t)len >= sizeof next)
            return ENAMETOOLONG;
        struct stat st;
        if (lstat(next, &st) != 0)
            return errno == ENOENT ? dt__copy_path(target, size, next)
                                   : errno;
        if (!S_ISLNK(st.st_mode))
            return EAGAIN; /* it appeared meanwhile */
        e = dt__copy_path(cur, sizeof cur, next);
    }
    return e ? e : ELOOP;
}

/* What path names, in *st (st_mode 0: nothing yet), and the name to write
 * in target: path itself, or for a symlink to a regular file the file's
 * real name (so that the temporary is made beside the file and the link
 * stays a link), or for a dangling symlink the name its chain ends at,
 * created as a shell's `>` does. Returns 0 or an errno. */
static int dt__resolve(const char *path, char *target, size_t size,
                       struct stat *st)
{
    memset(st, 0, sizeof *st);
    struct stat lst;
    if (lstat(path, &lst) != 0)
        return errno == ENOENT ? dt__copy_path(target, size, path) : errno;
    if (!S_ISLNK(lst.st_mode)) {
        *st = lst;
        return dt__copy_path(target, size, path);
    }
    if (stat(path, st) != 0) {
        int e = errno;
        memset(st, 0, sizeof *st);
        return e == ENOENT ? dt__follow_dangling(path, target, size) : e;
    }
    if (!S_ISREG(st->st_mode)) /* opened through the link */
        return dt__copy_path(target, size, path);
    char *real = realpath(path, NULL);
    if (!real)
        return errno;
    int e = dt__copy_path(target, size, real);
    free(real);
    return e;
}

/* "a directory", ... for a message that refuses it. */
static const char *dt__mode_name(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISREG(mode))
        return "a regular file";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISBLK(mode))
        return "a block device";
    return "neither a file nor a directory";
}

/* 1 or 2 if st is the file stdout or stderr writes, else -1. */
static int dt__std_fd_of(const struct stat *st)
{
    for (int fd = 1; fd <= 2; fd++) {
        struct stat std;
        if (fstat(fd, &std) == 0 && std.st_dev == st->st_dev &&
            std.st_ino == st->st_ino)
            return fd;
    }
    return -1;
}

/* ---- the checks ---------------------------------------------------------- */

/* Says why o's target (`noun`, "a file" or "a directory") could not be
 * created beside it. */
static void dt__say_cannot_create(dt__say_fn say, const char *what,
                                  const dt__output *o, const char *noun,
                                  int e)
{
    char dir[DT__CLI_PATH_MAX];
    dt__dirname(o->target, dir, sizeof dir);
    struct stat st;
    if (e == ENOENT && (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)))
        say("%s: cannot create `%s`: directory `%s` does not exist", what,
            o->target, dir);
    else
        say("%s: cannot write `%s`: cannot create %s in `%s`: %s", what,
            o->path, noun, dir, strerror(e));
}

/* Makes the temporary of a RENAME output beside its target. Creating it
 * is the check that the directory takes a file: access() says yes to
 * root on a read-only mount or in /proc. Returns 0 or an errno. */
static int dt__make_temp(dt__output *o)
{
    for (unsigned i = 0; i < 100; i++) {
        int n = snprintf(o->tmp, sizeof o->tmp, "%s.tmp-%ld-%u", o->target,
                         (long)getpid(), i);
        if (n < 0 || (size_t)n >= sizeof o->tmp)
            return ENAMETOOLONG;
        o->tmp_fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                         0666);
        if (o->tmp_fd >= 0) {
            o->owner = getpid();
            return 0;
        }
        if (errno != EEXIST)
            return errno;
    }
    return EEXIST;
}

/* Fills o (o->path set) for a file output: a regular file or nothing
 * (a temporary made now), a character device or a FIFO (written in
 * place), the file of stdout or stderr; anything else is refused. */
static bool dt__prepare_file(dt__output *o, const char *what, dt__say_fn say)
{
    size_t len = strlen(o->path);
    if (len == 0 || len >= DT__CLI_PATH_MAX || o->path[len - 1] == '/') {
        say("%s: `%s` is not a file name%s", what, o->path,
            len ? " (it names a directory)" : "");
        return false;
    }
    struct stat st;
    int e = dt__resolve(o->path, o->target, sizeof o->target, &st);
    if (e != 0) {
        say("%s: cannot write `%s`: %s", what, o->path, strerror(e));
        return false;
    }
    if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
        /* Not opened now: opening a device can act (a watchdog, a tape),
         * and a FIFO's reader would see an early end. */
        o->kind = DT__OUTPUT_IN_PLACE;
        if (access(o->target, W_OK) == 0)
            return true;
        say("%s: cannot write `%s`: %s", what, o->path, strerror(errno));
        return false;
    }
    if (st.st_mode != 0 && !S_ISREG(st.st_mode)) {
        say("%s: `%s` is %s; expected a file name (a regular file, a "
            "character device or a FIFO)", what, o->path,
            dt__mode_name(st.st_mode));
        return false;
    }
    if (st.st_mode != 0 && (o->std_fd = dt__std_fd_of(&st)) >= 0) {
        o->kind = DT__OUTPUT_STD;
        return true;
    }
    o->kind = DT__OUTPUT_RENAME;
    if ((e = dt__make_temp(o)) != 0) {
        dt__say_cannot_create(say, what, o, "a file", e);
        return false;
    }
    return true;
}

/* Fills o for a directory output: an existing directory, through its
 * symlinks, that takes a new file (tried); or one created now. */
static bool dt__prepare_dir(dt__output *o, const char *what)
{
    o->kind = DT__OUTPUT_DIR;
    struct stat st;
    int e = dt__resolve(o->path, o->target, sizeof o->target, &st);
    if (e != 0) {
        dt__cli_usage("%s: cannot use `%s`: %s", what, o->path, strerror(e));
        return false;
    }
    if (st.st_mode == 0) {
        if (mkdir(o->target, 0777) != 0) {
            dt__say_cannot_create(dt__cli_usage, what, o, "a directory",
                                  errno);
            return false;
        }
        o->made_dir = true;
        o->owner = getpid();
        return true;
    }
    if (!S_ISDIR(st.st_mode)) {
        dt__cli_usage("%s: `%s` is %s; expected a directory", what, o->path,
                      dt__mode_name(st.st_mode));
        return false;
    }
    char probe[DT__CLI_PATH_MAX + 48];
    snprintf(probe, sizeof probe, "%s/.droptest-probe-%ld", o->target,
             (long)getpid());
    int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) {
        dt__cli_usage("%s: cannot create files in `%s`: %s", what, o->path,
                      strerror(errno));
        return false;
    }
    if (fd >= 0) {
        close(fd);
        unlink(probe);
    }
    return true;
}

/* The next entry, for path (counted once its check passes). */
static dt__output *dt__output_new(const char *path)
{
    /* A command takes a few output options: more is a bug of its table. */
    DT__SIM_ASSERT(dt__output_count < DT__OUTPUTS_MAX);
    dt__output *o = &dt__outputs[dt__output_count];
    memset(o, 0, sizeof *o);
    o->path = path;
    o->tmp_fd = o->std_fd = -1;
    return o;
}

bool dt__cli_check_output(const char *what, const char *path)
{
    dt__output *o = dt__output_new(path);
    if (!dt__prepare_file(o, what, dt__cli_usage))
        return false;
    dt__output_count++;
    return true;
}

bool dt__cli_check_output_dir(const char *what, const char *path)
{
    size_t len = strlen(path);
    if (len == 0 || len >= DT__CLI_PATH_MAX - 256) {
        dt__cli_usage("%s: `%s` is not a directory name", what, path);
        return false;
    }
    dt__output *o = dt__output_new(path);
    if (!dt__prepare_dir(o, what))
        return false;
    dt__output_count++;
    return true;
}

/* ---- writing ------------------------------------------------------------- */

/* Removes what o's check made and has not been written. */
static void dt__output_drop(dt__output *o)
{
    if (o->tmp_fd >= 0) {
        close(o->tmp_fd);
        o->tmp_fd = -1;
        unlink(o->tmp);
    }
    if (o->made_dir)
        rmdir(o->target); /* only if still empty */
    o->done = true;
}

void dt__cli_outputs_discard(void)
{
    /* A forked child that returns here removes nothing of its parent's. */
    for (size_t i = 0; i < dt__output_count; i++) {
        dt__output *o = &dt__outputs[i];
        if (!o->done && o->owner == getpid())
            dt__output_drop(o);
    }
    dt__output_count = 0;
}

/* The prepared output of path (the same pointer first), or NULL. */
static dt__output *dt__output_find(const char *path)
{
    for (size_t i = 0; i < dt__output_count; i++)
        if (!dt__outputs[i].done && dt__outputs[i].path == path)
            return &dt__outputs[i];
    for (size_t i = 0; i < dt__output_count; i++)
        if (!dt__outputs[i].done && strcmp(dt__outputs[i].path, path) == 0)
            return &dt__outputs[i];
    return NULL;
}

static int dt__write_all(int fd, const char *text, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, text, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? errno : EIO;
        text += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Puts the finished text where o says; returns 0 or an errno. */
static int dt__output_put(dt__output *o, const char *text, size_t len)
{
    int e = 0;
    switch (o->kind) {
    case DT__OUTPUT_RENAME:
        e = dt__write_all(o->tmp_fd, text, len);
        if (e == 0 && fsync(o->tmp_fd) != 0)
            e = errno;
        if (close(o->tmp_fd) != 0 && e == 0)
            e = errno;
        o->tmp_fd = -1;
        if (e == 0 && rename(o->tmp, o->target) != 0)
            e = errno;
        if (e != 0)
            unlink(o->tmp);
        return e;
    case DT__OUTPUT_IN_PLACE: {
        /* A FIFO's open waits for a reader, as a shell's `>` does. */
        int fd = open(o->target, O_WRONLY | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
            return errno;
        e = dt__write_all(fd, text, len);
        if (close(fd) != 0 && e == 0)
            e = errno;
        return e;
    }
    case DT__OUTPUT_STD:
        fflush(stdout);
        fflush(stderr);
        return dt__write_all(o->std_fd, text, len);
    case DT__OUTPUT_DIR:
        break;
    }
    DT__SIM_ASSERT(!"a file output");
    return EINVAL;
}

/* write(out, ctx) into memory: the output is whole before anything of it
 * reaches its file. Returns 0 or an errno. */
static int dt__render(bool (*write)(FILE *out, void *ctx), void *ctx,
                      char **text, size_t *len)
{
    *text = NULL;
    *len = 0;
    FILE *mem = open_memstream(text, len);
    if (!mem)
        return ENOMEM;
    errno = 0;
    bool ok = write(mem, ctx);
    int e = errno ? errno : EIO;
    ok = fclose(mem) == 0 && ok && *text;
    return ok ? 0 : e;
}

bool dt__cli_write_atomic(const char *what, const char *path,
                          bool (*write)(FILE *out, void *ctx), void *ctx)
{
    dt__output local, *o = dt__output_find(path);
    if (!o) {
        /* Not checked up front: a file in a --repro-dir. */
        memset(&local, 0, sizeof local);
        local.path = path;
        local.tmp_fd = local.std_fd = -1;
        if (!dt__prepare_file(&local, what, dt__cli_internal))
            return false;
        o = &local;
    }
    char *text;
    size_t len;
    int e = dt__render(write, ctx, &text, &len);
    if (e == 0)
        e = dt__output_put(o, text, len);
    free(text);
    dt__output_drop(o);
    if (e != 0)
        dt__cli_internal("%s: cannot write `%s`: %s", what, path,
                         strerror(e));
    return e == 0;
}

/* ---- repro files --------------------------------------------------------- */

typedef struct dt__slice {
    const char *text;
    size_t len;
} dt__slice;

static bool dt__write_slice(FILE *out, void *ctx)
{
    const dt__slice *s = ctx;
    return fwrite(s->text, 1, s->len, out) == s->len;
}

bool dt__cli_save_repro(const char *what, const char *path,
                        const dt_repro *repro)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem) {
        dt__cli_internal("%s: out of memory", what);
        return false;
    }
    dt_repro_format(mem, repro);
    if (fclose(mem) != 0 || !text) {
        free(text);
        dt__cli_internal("%s: out of memory", what);
        return false;
    }
    /* A file that save writes must be one that load accepts. */
    dt_repro check;
    char why[256];
    int rc = dt_repro_parse(text, len, path, &check, why, sizeof why);
    dt_repro_free(&check);
    bool ok = rc == DT_OK;
    if (!ok) {
        dt__cli_internal("%s: `%s` not saved, it would not load again: %s",
                         what, path, why);
    } else {
        dt__slice s = {text, len};
        ok = dt__cli_write_atomic(what, path, dt__write_slice, &s);
    }
    free(text);
    return ok;
}
