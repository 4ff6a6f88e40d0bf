/* droptest CLI — the files a command writes (cli_files.c): checked before
 * any work starts, written whole or not at all, and never replacing what
 * is not a regular file (docs/design.md §8).
 *
 * What an output path names decides how it is written. A regular file, or
 * nothing yet, gets a temporary beside it, made by the check (creating it
 * is the real test that the directory takes a file: access() says yes to
 * root everywhere) and renamed into place when the output is whole. A
 * symlink is followed: a link to a regular file writes the file the chain
 * ends at, beside it, and the link stays; a dangling link creates the
 * name it points to, as a shell's `>` does. A character device or a FIFO
 * (/dev/null, a named pipe) is opened when the output is ready and
 * written in place; a FIFO's open waits for a reader. The regular file
 * stdout or stderr already writes (`--junit /dev/stdout > file`) is
 * written through that descriptor. Anything else (a directory where a file
 * is expected, a socket, a block device) is refused by the check. */
#ifndef DROPTEST_SIM_CLI_FILES_H
#define DROPTEST_SIM_CLI_FILES_H

#include <stdbool.h>
#include <stdio.h>

#include "droptest/dt_repro.h"

/* A file the command will write, checked as above before any run; `what`
 * names it in the one usage line printed if it cannot be written. The
 * path is kept (the caller's pointer) until the output is written or
 * dt__cli_outputs_discard. */
bool dt__cli_check_output(const char *what, const char *path);
/* A directory the command will write files in: an existing directory
 * (through its symlinks) in which a file can be created (tried now), or
 * one created now, its parent must exist. A file of any kind where the
 * directory should be is refused. */
bool dt__cli_check_output_dir(const char *what, const char *path);

/* Writes an output whole: write(out, ctx) fills memory, then the text
 * goes where path's check said (a path not checked, such as a file in a
 * --repro-dir, is looked at now, by the same rules). Returns false and
 * prints one line (exit 3 territory) if the output could not be made or
 * written; a temporary is then removed. */
bool dt__cli_write_atomic(const char *what, const char *path,
                          bool (*write)(FILE *out, void *ctx), void *ctx);

/* Writes repro as a repro file at path, as dt__cli_write_atomic, after
 * checking that the text loads again. */
bool dt__cli_save_repro(const char *what, const char *path,
                        const dt_repro *repro);

/* Removes the temporaries and directories the checks of this process
 * made for outputs that were not written (a later value was refused, the
 * run failed to start); forgets every output. droptest_main calls it when
 * a command returns. */
void dt__cli_outputs_discard(void);

#endif
