/* Test support: run a test body as a weft task, check things inside tasks.
 *
 * cmocka's assertions longjmp out of the test on failure; inside a weft task
 * that would jump across stacks. So checks made inside tasks (WT_*) never
 * jump: they print both sides, count the failure and carry on (WT_REQUIRE
 * additionally returns -1 from the enclosing int function). wt_run() runs
 * the body on a fresh loop and then, back on the main stack, fails the
 * cmocka test if any in-task check failed. */
#ifndef WEFT_TESTS_WT_H
#define WEFT_TESTS_WT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <weft.h>

extern int wt_failures;

int wt__check(int ok, const char *expr, const char *file, int line);
int wt__check_int(long long a, long long b, const char *op, const char *ea, const char *eb,
                  const char *file, int line);

#define WT_CHECK(cond) wt__check(!!(cond), #cond, __FILE__, __LINE__)
#define WT_CMP(a, op, b)                                                                           \
    wt__check_int((long long)(a), (long long)(b), #op, #a, #b, __FILE__, __LINE__)
#define WT_EQ(a, b) WT_CMP(a, ==, b)
#define WT_NE(a, b) WT_CMP(a, !=, b)
#define WT_LT(a, b) WT_CMP(a, <, b)
#define WT_LE(a, b) WT_CMP(a, <=, b)
#define WT_GT(a, b) WT_CMP(a, >, b)
#define WT_GE(a, b) WT_CMP(a, >=, b)
/* Checks cond; on failure returns -1 from the enclosing function. */
#define WT_REQUIRE(cond)                                                                           \
    do {                                                                                           \
        if (!WT_CHECK(cond)) return -1;                                                            \
    } while (0)
#define WT_REQUIRE_EQ(a, b)                                                                        \
    do {                                                                                           \
        if (!WT_EQ(a, b)) return -1;                                                               \
    } while (0)

/* The exit status ctest reports as "skipped" (SKIP_RETURN_CODE): a test
 * program that cannot run here at all exits with it. cmocka's skip() is
 * not used: cmocka counts a skipped case as passed, so ctest never shows
 * it. A case that does not apply in one configuration checks what does. */
#define WT_SKIP 77

/* Runs body(arg) as the root task of a new loop (opts may be NULL) and
 * returns its status; fails the current cmocka test (on the main stack) if
 * an in-task check failed. When the backend named by $WEFT_BACKEND cannot
 * start here (-ENOSYS), exits the program with WT_SKIP. */
int wt_run_opts(const weft_options *opts, weft_fn body, void *arg);
int wt_run(weft_fn body, void *arg);
/* The same with the virtual clock on. */
int wt_run_virtual(weft_fn body, void *arg);

/* Flags: ints that any thread changes (through these calls only) and that
 * a task or a plain thread waits for, woken by the change itself, never by
 * polling. A waiting task parks on an eventfd of its own (the loop runs
 * on); a thread waits on a condition variable. The waits give up after
 * 20 s (-1), so a bug shows as a failure, not a hang. */
void wt_flag_set(int *p, int v);
int wt_flag_add(int *p, int d); /* returns the new value */
int wt_flag_get(const int *p);
int wt_flag_wait_task(const int *p, int v);   /* until *p >= v: 0, or -1 */
int wt_flag_wait_thread(const int *p, int v); /* until *p >= v: 0, or -1 */

/* Monotonic wall time in ns (independent of the loop's clock). */
int64_t wt_wall(void);
/* The number of open file descriptors of this process (for leak checks). */
int wt_count_fds(void);

#endif
