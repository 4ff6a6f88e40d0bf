/* droptest CLI — the files a command writes (cli_files.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_files.h"

/* The directory part of path, "." if none. */
static void dt__dirname(const char *path, char *dir, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dir, size, ".");
        return;
    }
    if (slash == path) {
        snprintf(dir, size, "/");
        return;
    }
    snprintf(dir, size, "%.*s", (int)(slash - path), path);
}

/* Whether `path` can be created: its directory exists and is writable;
 * else one usage line naming it. */
static bool dt__check_parent_dir(const char *what, const char *path)
{
    struct stat st;
    char dir[DT__CLI_PATH_MAX];
    dt__dirname(path, dir, sizeof dir);
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
        access(dir, W_OK | X_OK) != 0) {
        dt__cli_usage("%s: cannot create `%s`: directory `%s` does not "
                      "exist or is not writable", what, path, dir);
        return false;
    }
    return true;
}

bool dt__cli_check_output(const char *what, const char *path)
{
    if (!path[0] || strlen(path) >= DT__CLI_PATH_MAX) {
        dt__cli_usage("%s: `%s` is not a file name", what, path);
        return false;
    }
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        dt__cli_usage("%s: `%s` is a directory; expected a file name", what,
                      path);
        return false;
    }
    return dt__check_parent_dir(what, path);
}

bool dt__cli_check_output_dir(const char *what, const char *path)
{
    if (!path[0] || strlen(path) >= DT__CLI_PATH_MAX - 256) {
        dt__cli_usage("%s: `%s` is not a directory name", what, path);
        return false;
    }
    struct stat st;
    if (stat(path, &st) == 0) {
        if (!S_ISDIR(st.st_mode) || access(path, W_OK | X_OK) != 0) {
            dt__cli_usage("%s: `%s` is not a writable directory", what,
                          path);
            return false;
        }
        return true;
    }
    return dt__check_parent_dir(what, path);
}
bool dt__cli_write_atomic(const char *what, const char *path,
                          bool (*write)(FILE *out, void *ctx), void *ctx)
{
    char tmp[DT__CLI_PATH_MAX + 32];
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        dt__cli_internal("%s: cannot create `%s`: %s", what, tmp,
                         strerror(errno));
        return false;
    }
    bool ok = write(f, ctx);
    ok = fflush(f) == 0 && ok && !ferror(f);
    ok = fclose(f) == 0 && ok;
    if (ok && rename(tmp, path) != 0)
        ok = false;
    if (!ok) {
        int e = errno;
        remove(tmp);
        dt__cli_internal("%s: cannot write `%s`: %s", what, path,
                         strerror(e));
        return false;
    }
    return true;
}
