/* droptest sim — the trace hash's update function.
 *
 * Hashing every event is a good part of what a run costs (a spawn and
 * join is seven events, 224 bytes). Where libxxhash exports its
 * runtime-dispatched functions (x86-64: AVX2 or AVX-512 when the CPU has
 * them), the drivers use those; XXH3 gives the same digest on every code
 * path, so trace hashes do not depend on the machine. */
#ifndef DROPTEST_TRACE_HASH_H
#define DROPTEST_TRACE_HASH_H

#include <xxhash.h>

#if DT_HAVE_XXH3_DISPATCH
#include <xxh_x86dispatch.h>
#define dt__trace_hash_update XXH3_64bits_update_dispatch
#else
#define dt__trace_hash_update XXH3_64bits_update
#endif

#endif
