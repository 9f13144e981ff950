/* Layer 4a: files without blocking the loop (weft/io.h): io_uring's file
 * opcodes, or a worker thread (weft__io_file decides). */
#include <errno.h>
#include <fcntl.h>

#include "io/io.h"
#include "weft/io.h"

int weft_file_open(const char *path, int flags, unsigned mode)
{
    WEFT__IO_TASK(L);
    if (!path) return -EINVAL;
    weft__io op = {.op = WEFT__OP_OPENAT, .fd = AT_FDCWD, .buf = (void *)path, .flags = flags,
                   .mode = mode};
    int fd = weft__io_file(L, &op);
    return fd;
}

static ssize_t file_rw(int opc, int fd, void *buf, size_t len, int64_t off)
{
    WEFT__IO_TASK(L);
    if (off < -1) return -EINVAL;
    weft__io op = {.op = (uint8_t)opc, .fd = fd, .buf = buf, .len = len, .off = off};
    return weft__io_file(L, &op);
}

ssize_t weft_file_read(int fd, void *buf, size_t len, int64_t off)
{
    return file_rw(WEFT__OP_PREAD, fd, buf, len, off);
}

ssize_t weft_file_write(int fd, const void *buf, size_t len, int64_t off)
{
    return file_rw(WEFT__OP_PWRITE, fd, (void *)buf, len, off);
}

int weft_file_fsync(int fd)
{
    WEFT__IO_TASK(L);
    weft__io op = {.op = WEFT__OP_FSYNC, .fd = fd};
    return weft__io_file(L, &op);
}

int weft_file_close(int fd)
{
    WEFT__IO_TASK(L);
    if (fd < 0) return -EBADF;
    L->be->fd_closing(L, fd);
    weft__io op = {.op = WEFT__OP_CLOSE, .fd = fd};
    if (L->be_caps & WEFT__CAP_FILES) return weft__io_wait_nocancel(L, &op);
    return weft__io_offload(L, &op, 0);
}
