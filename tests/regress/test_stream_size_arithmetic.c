/* weft-test: timeout=20
 * Regression (issue 13, defect 5): size arithmetic in streams.
 * - weft_stream_read_until with cap SIZE_MAX spun forever (the buffer
 *   size doubling wrapped to 0);
 * - a finite but huge cap reserved cap bytes before the first byte came
 *   (1 TiB: -ENOMEM instead of the line);
 * - an iovec whose lengths add up past SSIZE_MAX is refused (-EINVAL), not
 *   wrapped into a short count. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

#include "wt.h"

static int writer(void *arg)
{
    weft_stream *b = arg;
    ssize_t n = weft_stream_write(b, "abc\nxyz\n", 8);
    return n == 8 ? 0 : (int)n;
}

static int body(void *arg)
{
    (void)arg;
    weft_stream *a, *b;
    WT_REQUIRE_EQ(weft_stream_pair(&a, &b), 0);
    weft_task *w;
    WT_REQUIRE_EQ(weft_spawn(&w, writer, b), 0);
    char buf[64];
    WT_EQ(weft_stream_read_until(a, "\n", 1, buf, SIZE_MAX), 4);
    WT_CHECK(memcmp(buf, "abc\n", 4) == 0);
    WT_EQ(weft_stream_read_until(a, "\n", 1, buf, (size_t)1 << 40), 4);
    WT_CHECK(memcmp(buf, "xyz\n", 4) == 0);
    WT_EQ(weft_join(w), 0);

    char x = 'x';
    struct iovec v[3] = {{&x, SIZE_MAX / 2}, {&x, SIZE_MAX / 2}, {&x, 4}};
    WT_EQ(weft_stream_writev(b, v, 3), -EINVAL);
    struct iovec big[2] = {{&x, (size_t)SSIZE_MAX}, {&x, 1}};
    WT_EQ(weft_stream_writev(b, big, 2), -EINVAL);
    weft_stream_close(a);
    weft_stream_close(b);
    return 0;
}

static void test_sizes(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_sizes)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
