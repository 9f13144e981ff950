/* weft-test: timeout=60 threads
 * Files: open/write/fsync/read/close round trip at offsets and at the file
 * position; errors (-ENOENT, -EBADF, -EISDIR); many concurrent reads of
 * different files; cancellation and deadlines of file calls (the result
 * wins when the operation completed, else the interruption; nothing
 * leaks); a slow file read (a FIFO nobody writes to yet) does not block
 * the loop: other tasks run meanwhile. */
#include "wt.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/loop.h"

static char dir[64];

static int body_roundtrip(void *arg)
{
    (void)arg;
    int fds = wt_count_fds();
    char path[128];
    snprintf(path, sizeof path, "%s/a.txt", dir);
    int fd = weft_file_open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
    WT_REQUIRE(fd >= 0);
    WT_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    WT_EQ(weft_file_write(fd, "hello ", 6, -1), 6); /* at the position */
    WT_EQ(weft_file_write(fd, "world", 5, -1), 5);
    WT_EQ(weft_file_write(fd, "W", 1, 6), 1); /* at an offset */
    WT_EQ(weft_file_fsync(fd), 0);
    char buf[32] = {0};
    WT_EQ(weft_file_read(fd, buf, sizeof buf, 0), 11);
    WT_EQ(memcmp(buf, "hello World", 11), 0);
    WT_EQ(weft_file_read(fd, buf, sizeof buf, 11), 0); /* end of file */
    WT_EQ(weft_file_read(fd, buf, 3, 2), 3);
    WT_EQ(memcmp(buf, "llo", 3), 0);
    WT_EQ(weft_file_close(fd), 0);
    fd = weft_file_open(path, O_RDONLY, 0);
    WT_REQUIRE(fd >= 0);
    WT_EQ(weft_file_read(fd, buf, 5, -1), 5); /* sequential reads */
    WT_EQ(weft_file_read(fd, buf + 5, 6, -1), 6);
    WT_EQ(memcmp(buf, "hello World", 11), 0);
    WT_EQ(weft_file_write(fd, "x", 1, 0), -EBADF); /* read-only */
    WT_EQ(weft_file_close(fd), 0);
    WT_EQ(weft_file_read(fd, buf, 1, 0), -EBADF);
    snprintf(path, sizeof path, "%s/missing", dir);
    WT_EQ(weft_file_open(path, O_RDONLY, 0), -ENOENT);
    fd = weft_file_open(dir, O_RDONLY, 0);
    WT_REQUIRE(fd >= 0);
    WT_EQ(weft_file_read(fd, buf, 1, 0), -EISDIR);
    WT_EQ(weft_file_close(fd), 0);
    WT_EQ(weft_file_read(-1, buf, 1, -2), -EINVAL);
    WT_EQ(wt_count_fds(), fds);
    WT_EQ(weft_loop_current()->io_inflight, 0);
    return 0;
}

static void test_roundtrip(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_roundtrip, NULL), 0);
}

/* ---- 64 files written, then read back concurrently ---- */

#define NF 64
struct job {
    int i;
    size_t len;
    int ok;
};

static int reader(void *arg)
{
    struct job *j = arg;
    char path[128];
    snprintf(path, sizeof path, "%s/f%d", dir, j->i);
    int fd = weft_file_open(path, O_RDONLY, 0);
    if (fd < 0) return fd;
    char *buf = malloc(j->len + 1);
    size_t got = 0;
    ssize_t n;
    while ((n = weft_file_read(fd, buf + got, j->len + 1 - got, (int64_t)got)) > 0) got += (size_t)n;
    j->ok = n == 0 && got == j->len;
    for (size_t k = 0; j->ok && k < got; k++) j->ok = buf[k] == (char)('a' + (j->i + k) % 26);
    free(buf);
    return weft_file_close(fd);
}

static int body_concurrent(void *arg)
{
    (void)arg;
    struct job jobs[NF];
    for (int i = 0; i < NF; i++) {
        jobs[i] = (struct job){i, (size_t)(1000 + i * 4099), 0};
        char path[128];
        snprintf(path, sizeof path, "%s/f%d", dir, i);
        int fd = weft_file_open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
        WT_REQUIRE(fd >= 0);
        char *buf = malloc(jobs[i].len);
        for (size_t k = 0; k < jobs[i].len; k++) buf[k] = (char)('a' + (i + k) % 26);
        WT_EQ(weft_file_write(fd, buf, jobs[i].len, 0), (ssize_t)jobs[i].len);
        free(buf);
        WT_EQ(weft_file_close(fd), 0);
    }
    weft_group *g;
    WT_REQUIRE_EQ(weft_group_new(&g, WEFT_COLLECT), 0);
    for (int i = 0; i < NF; i++) WT_REQUIRE_EQ(weft_group_spawn(g, NULL, reader, &jobs[i]), 0);
    WT_EQ(weft_group_wait(g), 0);
    weft_group_free(g);
    for (int i = 0; i < NF; i++) WT_EQ(jobs[i].ok, 1);
    return 0;
}

static void test_concurrent_reads(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_concurrent, NULL), 0);
}

/* ---- a file read that waits (a FIFO) keeps the loop running and is
 * interrupted by a deadline once its writer shows up ---- */

struct fifo_read {
    const char *path;
    ssize_t n;
    char buf[8];
};

static int fifo_reader(void *arg)
{
    struct fifo_read *f = arg;
    int fd = weft_file_open(f->path, O_RDONLY, 0); /* waits for a writer */
    if (fd < 0) return fd;
    f->n = weft_file_read(fd, f->buf, sizeof f->buf, -1);
    return weft_file_close(fd);
}

static int body_fifo(void *arg)
{
    (void)arg;
    int fds = wt_count_fds();
    char path[128];
    snprintf(path, sizeof path, "%s/fifo", dir);
    WT_REQUIRE_EQ(mkfifo(path, 0600), 0);
    struct fifo_read f = {path, -1, {0}};
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, fifo_reader, &f), 0);
    int ticks = 0;
    for (int i = 0; i < 5; i++) { /* the loop runs while the open blocks elsewhere */
        WT_EQ(weft_sleep(WEFT_MS(2)), 0);
        ticks++;
    }
    WT_EQ(ticks, 5);
    WT_EQ(weft_task_done(t), 0);
    int w = open(path, O_WRONLY | O_CLOEXEC); /* the reader's open completes */
    WT_REQUIRE(w >= 0);
    WT_EQ(weft_sleep(WEFT_MS(5)), 0);
    WT_EQ(weft_task_done(t), 0); /* now waiting in its read */
    WT_EQ((int)write(w, "fifo!", 5), 5);
    WT_EQ(weft_join(t), 0);
    WT_EQ(f.n, 5);
    WT_EQ(memcmp(f.buf, "fifo!", 5), 0);
    close(w);
    /* a deadline while a read waits: it returns once the read completes,
     * with the data (the result wins), and the next call sees the deadline */
    WT_REQUIRE_EQ(weft_spawn(&t, fifo_reader, &f), 0);
    WT_EQ(weft_sleep(WEFT_MS(5)), 0); /* its open waits for a writer */
    w = open(path, O_WRONLY | O_CLOEXEC);
    WT_EQ(weft_sleep(WEFT_MS(5)), 0);
    WT_EQ(weft_cancel(t), 0);
    WT_EQ(weft_task_done(t), 0); /* still waiting: the kernel or worker has its buffer */
    WT_EQ((int)write(w, "late", 4), 4);
    WT_EQ(weft_join(t), 0);
    WT_CHECK(f.n == 4 || f.n == -ECANCELED);
    close(w);
    unlink(path);
    WT_EQ(wt_count_fds(), fds);
    WT_EQ(weft_loop_current()->io_inflight, 0);
    return 0;
}

static void test_fifo_does_not_block_loop(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_fifo, NULL), 0);
}

/* ---- cancelled before the call: at once, nothing opened ---- */

static int cancelled_opener(void *arg)
{
    const char *path = arg;
    WEFT_IGNORE(weft_sleep(WEFT_SEC(10)));
    return weft_file_open(path, O_CREAT | O_WRONLY, 0600);
}

static int body_cancelled(void *arg)
{
    (void)arg;
    char path[128];
    snprintf(path, sizeof path, "%s/never", dir);
    weft_task *t;
    WT_REQUIRE_EQ(weft_spawn(&t, cancelled_opener, path), 0);
    WT_EQ(weft_yield(), 0);
    WT_EQ(weft_cancel(t), 0);
    WT_EQ(weft_join(t), -ECANCELED);
    struct stat st;
    WT_EQ(stat(path, &st), -1);
    return 0;
}

static void test_cancelled(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body_cancelled, NULL), 0);
}

static int setup(void **s)
{
    (void)s;
    snprintf(dir, sizeof dir, "/tmp/weft-file-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **s)
{
    (void)s;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_concurrent_reads),
        cmocka_unit_test(test_fifo_does_not_block_loop),
        cmocka_unit_test(test_cancelled),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
