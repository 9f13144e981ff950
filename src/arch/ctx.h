/* Layer 0: the context switch.
 *
 * A context is one saved stack pointer: weft__ctx_switch pushes the
 * callee-saved registers of the ABI onto the current stack, stores the stack
 * pointer in *from, loads to->sp and pops the other context's registers.
 * Nothing else is saved: not the signal mask (that is what makes glibc's
 * swapcontext cost a system call) and not the FPU control words, which weft
 * never changes per task.
 *
 * weft__ctx_make prepares a fresh stack so that the first switch to it
 * calls entry() with an ABI-aligned stack. entry must never return.
 *
 * The ucontext fallback (WEFT_CTX_UCONTEXT) keeps a ucontext_t beside the
 * pointer; it is portable and slow (a system call per switch). */
#ifndef WEFT_ARCH_CTX_H
#define WEFT_ARCH_CTX_H

#include <stddef.h>

#if defined(WEFT_CTX_UCONTEXT)
#include <ucontext.h>
typedef struct weft__ctx {
    ucontext_t uc;
} weft__ctx;
#else
typedef struct weft__ctx {
    void *sp; /* saved stack pointer; the registers sit on that stack */
} weft__ctx;
#endif

void weft__ctx_switch(weft__ctx *from, weft__ctx *to);
void weft__ctx_make(weft__ctx *c, void *stack_lo, size_t size, void (*entry)(void));

#endif
