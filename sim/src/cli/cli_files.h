/* droptest CLI — the files a command writes (cli_files.c): checked before
 * any work starts, written whole or not at all. */
#ifndef DROPTEST_SIM_CLI_FILES_H
#define DROPTEST_SIM_CLI_FILES_H

#include <stdbool.h>
#include <stdio.h>

/* A file the command will create: its directory must exist and be
 * writable, and the path must not be a directory. `what` names it in the
 * one line printed if not. */
bool dt__cli_check_output(const char *what, const char *path);
/* A directory the command will create files in (and create itself if
 * missing): an existing directory, or a path whose parent is writable. */
bool dt__cli_check_output_dir(const char *what, const char *path);

/* Writes a file whole or not at all: write(out, ctx) fills a temporary
 * file next to path, which is renamed into place only if every write
 * succeeded. Returns false and prints one line (exit 3 territory) if not. */
bool dt__cli_write_atomic(const char *what, const char *path,
                          bool (*write)(FILE *out, void *ctx), void *ctx);

#endif
