/* droptest runtime — the layout of an id: what names a tracked object in
 * the public API (a handle, a task id).
 *
 * floor 0 (data): includes system headers only. */
#ifndef DROPTEST_IDS_H
#define DROPTEST_IDS_H

#include <stdint.h>

/* id = tag(16) | generation(24) | slot(24). Slot 0 is never used, so the
 * zero id is invalid. */
#define DT__SLOT_BITS 24
#define DT__GEN_BITS 24
#define DT__SLOT_MAX ((UINT32_C(1) << DT__SLOT_BITS) - 1)
#define DT__GEN_MASK ((UINT32_C(1) << DT__GEN_BITS) - 1)

static inline uint32_t dt__id_slot(uint64_t id)
{
    return (uint32_t)(id & DT__SLOT_MAX);
}
static inline uint32_t dt__id_gen(uint64_t id)
{
    return (uint32_t)((id >> DT__SLOT_BITS) & DT__GEN_MASK);
}
static inline uint16_t dt__id_tag(uint64_t id)
{
    return (uint16_t)(id >> (DT__SLOT_BITS + DT__GEN_BITS));
}

#endif
