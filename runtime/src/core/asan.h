/* droptest runtime — whether AddressSanitizer is on (GCC says so with
 * __SANITIZE_ADDRESS__, clang with __has_feature), and its interface.
 *
 * floor 0 (the machine): includes system headers only. */
#ifndef DROPTEST_ASAN_H
#define DROPTEST_ASAN_H

#if defined(__SANITIZE_ADDRESS__)
#define DT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DT_ASAN 1
#endif
#endif

#if DT_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

#endif
