/* Layer 2: the backends this build has (each in its own file), and what
 * they share. */
#ifndef WEFT_BACKEND_BACKENDS_H
#define WEFT_BACKEND_BACKENDS_H

#include "core/backend.h"

extern const weft__backend weft__backend_poll;
extern const weft__backend weft__backend_epoll;
#ifdef WEFT_HAVE_URING
extern const weft__backend weft__backend_uring;
#endif

/* op->bflags bit of weft__sys_run: a CONNECT is under way (clear it
 * before the first try). The backends use the bits below it. */
#define WEFT__BF_CONNECTING 0x80u

/* Runs op's system call once (sys.c): on a non-blocking fd for the socket
 * and pipe opcodes; the file opcodes may block. Returns the call's result,
 * or -EAGAIN when the op must wait for readiness. */
int weft__sys_run(weft__io *op);
/* A write to a pipe whose reader has gone must fail with -EPIPE, never
 * kill the process (sends use MSG_NOSIGNAL; plain writes cannot): sets
 * SIGPIPE to SIG_IGN if it has its default action (a program's own
 * handler is kept). Called by the I/O backends' init. */
void weft__sys_nosigpipe(void);
/* 1 if op waits for writability, 0 for readability. */
int weft__sys_wants_out(const weft__io *op);

#endif
