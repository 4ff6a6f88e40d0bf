/* droptest — repro files: a failing run written down so it can be
 * replayed exactly, shrunk, and kept as a regression.
 *
 * A small versioned text file, one `key value` per line:
 *
 *     droptest-repro 1
 *     version 0.1.0
 *     scenario orphan_sender/buggy
 *     seed 42
 *     strategy random            (random, fifo, pct:D:K or replay)
 *     abort_at 3,17              (may be empty)
 *     abort_prob 0               (a decimal in [0, 1])
 *     exit_mode 0
 *     decisions 12:1,40:2        (replay only: choice:pick, ascending)
 *     trace_hash 0123456789abcdef
 *     verdict hang               (pass or a failure kind)
 *
 * Lines starting with `#` are comments. A file of another format version
 * or another droptest version is refused, never misread: the same seed
 * may mean another schedule in another build. */
#ifndef DROPTEST_DT_REPRO_H
#define DROPTEST_DT_REPRO_H

#include <stdio.h>

#include "droptest/dt_sim.h"
/* dt_version(), which repro files are written with, has a header of its
 * own; it is included here so that code that found it in dt_repro.h
 * still compiles. */
#include "droptest/dt_version.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DT_REPRO_FORMAT 1

typedef struct dt_repro {
    char scenario[128];
    uint64_t seed;
    dt_strategy strategy;        /* replay: decisions point into this */
    uint64_t abort_at[DT_ABORT_AT_MAX];
    size_t abort_at_count;
    double abort_prob;
    bool exit_mode;
    dt_decision *decisions;      /* owned */
    size_t decision_count;
    uint64_t trace_hash;         /* the hash the run must give */
    bool passed;                 /* the verdict: pass, or */
    dt_failure_kind verdict;     /* the failure kind */
} dt_repro;

/* Parses a repro file's text. `path` only names the input in messages.
 * On error writes one line naming the file, the line and what was
 * expected into err, and returns DT_ERR_INVALID; DT_ERR_NOMEM when out of
 * memory. */
int dt_repro_parse(const char *text, size_t len, const char *path,
                   dt_repro *out, char *err, size_t err_size);

/* Reads and parses a file (errors as dt_repro_parse, plus a file that
 * cannot be read). */
int dt_repro_load(const char *path, dt_repro *out, char *err,
                  size_t err_size);

/* Writes the text of a repro. */
void dt_repro_format(FILE *out, const dt_repro *repro);

/* Writes a repro file whole or not at all (a temporary file renamed into
 * place). On error writes one line into err and returns DT_ERR_INVALID. A
 * repro that would not load again (a value out of range, a scenario name
 * the format cannot hold) is refused before anything is written. */
int dt_repro_save(const char *path, const dt_repro *repro, char *err,
                  size_t err_size);

/* A run's parameters and outcome as a repro (copies the decisions). A
 * replay run keeps the decisions it recorded (config.record_decisions),
 * else the list it replayed; any other strategy gets none, as its seed
 * makes them again. Returns DT_OK, DT_ERR_INVALID for a scenario name of
 * 128 bytes or more or a list beyond its bound, or DT_ERR_NOMEM. */
int dt_repro_from_run(dt_repro *out, const char *scenario,
                      const dt_sim_config *config,
                      const dt_sim_result *result);

/* The config that replays it; valid while the repro lives. */
void dt_repro_to_config(const dt_repro *repro, dt_sim_config *config);

void dt_repro_free(dt_repro *repro);

#ifdef __cplusplus
}
#endif

#endif
