/* Layer 0: the portable fallback context switch over ucontext (see ctx.h).
 * Slow (swapcontext saves the signal mask with a system call) but correct
 * on any POSIX system; chosen with -DWEFT_CTX=ucontext or where weft has no
 * assembly for the ABI. */
#include "arch/ctx.h"

#if defined(WEFT_CTX_UCONTEXT)
#include <stdlib.h>

void weft__ctx_switch(weft__ctx *from, weft__ctx *to)
{
    if (swapcontext(&from->uc, &to->uc) != 0) abort();
}

void weft__ctx_make(weft__ctx *c, void *stack_lo, size_t size, void (*entry)(void))
{
    if (getcontext(&c->uc) != 0) abort();
    c->uc.uc_stack.ss_sp = stack_lo;
    c->uc.uc_stack.ss_size = size;
    c->uc.uc_link = NULL;
    makecontext(&c->uc, entry, 0);
}
#endif
