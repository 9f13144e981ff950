/* Layer util: taking a caller's options struct under the ABI-room rule.
 *
 * Every public options struct begins with `uint32_t size`, which its
 * *_INIT macro sets to sizeof the struct as the caller's header knew it.
 * The library reads only min(size, its own sizeof) bytes and keeps its
 * defaults for the fields past them, so a program built against an older
 * header keeps working when fields are added at the end, and one built
 * against a newer header is read as far as this library knows. size 0
 * (a struct written with designated initializers, without the macro)
 * means the struct's first published layout, `v0` below: every field that
 * existed when the size member was introduced. A size below 4 other than
 * 0, or one between 4 and v0, is malformed (-EINVAL). docs/design.md has
 * the rule. */
#ifndef WEFT_UTIL_OPTS_H
#define WEFT_UTIL_OPTS_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* *dst holds the defaults (dsize bytes, its size member included); src is
 * the caller's struct or NULL (the defaults stand). Returns 0 or -EINVAL. */
static inline int weft__opts_take(void *dst, size_t dsize, const void *src, size_t v0)
{
    if (!src) return 0;
    uint32_t n;
    memcpy(&n, src, sizeof n);
    size_t take = n ? n : v0;
    if (take < v0) return -EINVAL;
    if (take > dsize) take = dsize;
    memcpy((char *)dst + sizeof n, (const char *)src + sizeof n, take - sizeof n);
    return 0;
}

/* weft__opts_take for a struct type T whose first layout is all of T today
 * (v0 = sizeof(T)): out is a T filled from the caller's o over init. */
#define WEFT__OPTS_TAKE(T, out, o, init)                                                           \
    (*(out) = (T)init, weft__opts_take((out), sizeof(T), (o), sizeof(T)))

#endif
