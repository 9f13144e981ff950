/* weft-example: timeout=60
 *
 * Pattern 19: reading files concurrently (aiofiles + asyncio.gather). Each
 * file is read by its own task with weft_file_open/read/close, which never
 * block the loop (io_uring file operations, or a worker thread on epoll),
 * so slow files do not hold up the others.
 *
 *   read_files [FILE...]   prints each file's size and a checksum; with no
 *                          arguments it writes a few files to a temporary
 *                          directory first, reads them back and checks them. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <weft.h>

struct file_job {
    const char *path;
    long long size;
    unsigned sum;
};

static int read_one(void *arg)
{
    struct file_job *j = arg;
    int fd = weft_file_open(j->path, O_RDONLY, 0);
    if (fd < 0) return fd;
    char *buf = malloc(1 << 16);
    if (!buf) {
        WEFT_IGNORE(weft_file_close(fd));
        return -ENOMEM;
    }
    ssize_t n;
    j->size = 0;
    j->sum = 0;
    while ((n = weft_file_read(fd, buf, 1 << 16, j->size)) > 0) {
        for (ssize_t i = 0; i < n; i++) j->sum = j->sum * 31 + (unsigned char)buf[i];
        j->size += n;
    }
    free(buf);
    int rc = weft_file_close(fd);
    return n < 0 ? (int)n : rc;
}

static int write_one(const char *path, size_t len, int seed)
{
    int fd = weft_file_open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
    if (fd < 0) return fd;
    char *buf = malloc(len);
    if (!buf) return -ENOMEM;
    for (size_t i = 0; i < len; i++) buf[i] = (char)('a' + (seed + i) % 26);
    ssize_t n = weft_file_write(fd, buf, len, 0);
    free(buf);
    int rc = weft_file_close(fd);
    return n < 0 ? (int)n : rc;
}

struct args {
    int argc;
    char **argv;
};

static int amain(void *arg)
{
    struct args *a = arg;
    int demo = a->argc < 2;
    int n = demo ? 8 : a->argc - 1;
    char dir[] = "/tmp/weft-read-files-XXXXXX";
    char (*paths)[64] = calloc((size_t)n, 64);
    struct file_job *jobs = calloc((size_t)n, sizeof *jobs);
    if (!paths || !jobs) return 1;
    if (demo) {
        if (!mkdtemp(dir)) return 1;
        for (int i = 0; i < n; i++) {
            snprintf(paths[i], 64, "%s/file%d", dir, i);
            int rc = write_one(paths[i], (size_t)(10000 + 50000 * i), i);
            if (rc < 0) {
                fprintf(stderr, "write %s: %s\n", paths[i], weft_strerror(rc));
                return 1;
            }
        }
    }
    weft_group *g;
    if (weft_group_new(&g, WEFT_COLLECT) < 0) return 1;
    for (int i = 0; i < n; i++) {
        jobs[i].path = demo ? paths[i] : a->argv[i + 1];
        if (weft_group_spawn(g, NULL, read_one, &jobs[i]) < 0) return 1;
    }
    int failed = weft_group_wait(g); /* gather */
    for (int i = 0; i < n; i++) {
        int st = weft_task_status(weft_group_task(g, (size_t)i));
        if (st < 0) printf("%s: %s\n", jobs[i].path, weft_strerror(st));
        else printf("%s: %lld bytes, checksum %08x\n", jobs[i].path, jobs[i].size, jobs[i].sum);
        if (demo && st == 0 && jobs[i].size != 10000 + 50000 * i) failed++;
    }
    weft_group_free(g);
    if (demo) {
        for (int i = 0; i < n; i++) unlink(paths[i]);
        rmdir(dir);
    }
    printf("read %d files on the %s backend, %d failed\n", n, weft_backend_name(), failed);
    free(paths);
    free(jobs);
    return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
    struct args a = {argc, argv};
    return weft_run(amain, &a) == 0 ? 0 : 1;
}
