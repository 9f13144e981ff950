/* x86-64 System V context switch (see ctx.h).
 * void weft__ctx_switch(weft__ctx *from [rdi], weft__ctx *to [rsi]) */
        .text
        .globl  weft__ctx_switch
        .hidden weft__ctx_switch
        .type   weft__ctx_switch, @function
        .p2align 4
weft__ctx_switch:
        .cfi_startproc
        pushq   %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        movq    %rsp, (%rdi)
        movq    (%rsi), %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        ret
        .cfi_endproc
        .size   weft__ctx_switch, .-weft__ctx_switch

/* First frame of a new stack: weft__ctx_make leaves the entry function's
 * address where the 'ret' above finds it, above six zeroed registers. The
 * trampoline calls it with a 16-byte aligned stack and traps if it returns. */
        .globl  weft__ctx_trampoline
        .hidden weft__ctx_trampoline
        .type   weft__ctx_trampoline, @function
        .p2align 4
weft__ctx_trampoline:
        .cfi_startproc
        .cfi_undefined rip
        movq    %rbx, %rax
        xorl    %ebp, %ebp
        callq   *%rax
        ud2
        .cfi_endproc
        .size   weft__ctx_trampoline, .-weft__ctx_trampoline

        .section .note.GNU-stack,"",@progbits
