/* weft-example: timeout=60
 *
 * Subprocesses (asyncio.create_subprocess_exec with pipes): the shell
 * pipeline `seq 1 100000 | grep 7 | wc -l`, with the middle stage done by
 * a weft task. `seq` writes into a pipe whose other end is a weft_stream;
 * the task reads it line by line and writes the lines containing a 7 into
 * the stdin stream of `wc -l`; main reads wc's answer and waits for both
 * children. Far more output than a pipe buffer holds flows through, so
 * reading, writing and the two children must all make progress at once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <weft.h>

struct pump {
    weft_stream *from, *to;
    long kept;
};

static int filter(void *arg)
{
    struct pump *p = arg;
    char line[64];
    ssize_t n;
    while ((n = weft_stream_readline(p->from, line, sizeof line)) > 0) {
        if (!strchr(line, '7')) continue;
        if (weft_stream_write(p->to, line, (size_t)n) != n) return -1;
        if (weft_stream_flush(p->to) < 0) return -1; /* backpressure from wc */
        p->kept++;
    }
    int rc = weft_stream_close(p->to); /* wc sees the end of its input */
    return n < 0 ? (int)n : rc;
}

static int amain(void *arg)
{
    (void)arg;
    const char *const seq_argv[] = {"seq", "1", "100000", NULL};
    const char *const wc_argv[] = {"wc", "-l", NULL};
    weft_process_options so = WEFT_PROCESS_OPTIONS_INIT, wo = WEFT_PROCESS_OPTIONS_INIT;
    so.stdio[1] = WEFT_STDIO_PIPE;
    wo.stdio[0] = WEFT_STDIO_PIPE;
    wo.stdio[1] = WEFT_STDIO_PIPE;
    weft_process *seq, *wc;
    int rc = weft_process_spawn(&seq, seq_argv, &so);
    if (rc == 0 && (rc = weft_process_spawn(&wc, wc_argv, &wo)) < 0) weft_process_free(seq);
    if (rc < 0) {
        fprintf(stderr, "spawn: %s\n", weft_strerror(rc));
        return 1;
    }
    struct pump p = {weft_process_stdout(seq), weft_process_stdin(wc), 0};
    weft_task *t;
    if (weft_spawn(&t, filter, &p) < 0) return 1;
    char answer[32] = {0};
    ssize_t n = weft_stream_readline(weft_process_stdout(wc), answer, sizeof answer);
    int frc = weft_join(t);
    int seq_code = -1, wc_code = -1;
    if (weft_process_wait(seq, &seq_code) < 0 || weft_process_wait(wc, &wc_code) < 0) return 1;
    weft_process_free(seq);
    weft_process_free(wc);
    long counted = n > 0 ? atol(answer) : -1;
    printf("seq 1 100000 | grep 7 | wc -l: %ld lines (the filter kept %ld); exit codes %d %d\n",
           counted, p.kept, seq_code, wc_code);
    return frc == 0 && counted == 40951 && p.kept == 40951 && seq_code == 0 && wc_code == 0 ? 0 : 1;
}

int main(void) { return weft_run(amain, NULL) == 0 ? 0 : 1; }
