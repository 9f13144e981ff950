/* Layer 1: the fault-injection seams of the WEFT_TESTING build.
 *
 * In a normal build every macro here is the identity and compiles to
 * nothing. With -DWEFT_TESTING=ON (cmake) the seams consult the injection
 * plan (src/core/fault.c, set by the tests through weft__fault_*): fail the
 * Nth allocation, the Nth system call of a kind, or make an I/O operation
 * of a chosen opcode complete with a chosen -errno.
 *
 * weft__fault_op(opcode, res): each backend passes every completion's
 * result through it, just before the op's done callback; it returns res,
 * or the injected -errno. */
#ifndef WEFT_CORE_FAULT_H
#define WEFT_CORE_FAULT_H

#ifdef WEFT_TESTING
int weft__fault_op(int opcode, int res);
#else
#define weft__fault_op(opcode, res) (res)
#endif

#endif
