/* Layer 0: preparing a fresh stack for its first switch (see ctx.h). */
#include "arch/ctx.h"

#include <stdint.h>
#include <string.h>

#if !defined(WEFT_CTX_UCONTEXT)
void weft__ctx_trampoline(void);

void weft__ctx_make(weft__ctx *c, void *stack_lo, size_t size, void (*entry)(void))
{
    uintptr_t top = ((uintptr_t)stack_lo + size) & ~(uintptr_t)15;
#if defined(__x86_64__)
    /* Layout popped by weft__ctx_switch: r15 r14 r13 r12 rbx rbp, then the
     * return address (the trampoline). After the 'ret', rsp == top is 16-byte
     * aligned, so the trampoline's call makes it "aligned + 8" at entry, as
     * the ABI requires. rbx carries the entry function. */
    void **sp = (void **)top;
    *--sp = (void *)weft__ctx_trampoline; /* return address for the first 'ret' */
    *--sp = NULL;                       /* rbp */
    *--sp = (void *)entry;              /* rbx */
    *--sp = NULL;                       /* r12 */
    *--sp = NULL;                       /* r13 */
    *--sp = NULL;                       /* r14 */
    *--sp = NULL;                       /* r15 */
    c->sp = sp;
#elif defined(__aarch64__)
    /* A 160-byte register block; x19 = entry, x30 = trampoline. */
    uint64_t *sp = (uint64_t *)(top - 160);
    memset(sp, 0, 160);
    sp[0] = (uint64_t)(uintptr_t)entry;                /* x19 */
    sp[11] = (uint64_t)(uintptr_t)weft__ctx_trampoline; /* x30 */
    c->sp = sp;
#else
#error "no assembly context switch for this architecture: build with -DWEFT_CTX=ucontext"
#endif
}
#endif
