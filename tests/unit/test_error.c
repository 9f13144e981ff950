/* weft-test: pure
 * Error names and messages come from the one X-macro list. */
#include "wt.h"

#include <string.h>

static void test_names(void **s)
{
    (void)s;
    assert_string_equal(weft_errname(-ECANCELED), "ECANCELED");
    assert_string_equal(weft_errname(-ETIMEDOUT), "ETIMEDOUT");
    assert_string_equal(weft_errname(WEFT_EOF), "EOF");
    assert_string_equal(weft_errname(0), "OK");
    assert_string_equal(weft_errname(-EIO), "EIO"); /* outside the list: libc's name */
    assert_string_equal(weft_errname(-4000), "UNKNOWN");
    assert_string_equal(weft_strerror(-ECANCELED), "operation cancelled");
    assert_string_equal(weft_strerror(-ETIMEDOUT), "deadline expired");
    assert_string_equal(weft_strerror(0), "success");
    assert_true(strlen(weft_strerror(-EIO)) > 0);
    assert_string_equal(weft_strerror(-4000), "unknown error");
    /* every listed code has a distinct name */
    const char *names[] = {
#define X(n, v, m) #n,
        WEFT_ERRNO_MAP(X)
#undef X
    };
    int values[] = {
#define X(n, v, m) v,
        WEFT_ERRNO_MAP(X)
#undef X
    };
    const char *msgs[] = {
#define X(n, v, m) m,
        WEFT_ERRNO_MAP(X)
#undef X
    };
    size_t n = sizeof values / sizeof values[0];
    for (size_t i = 0; i < n; i++) {
        assert_true(values[i] < 0);
        assert_string_equal(weft_errname(values[i]), names[i]);
        assert_string_equal(weft_strerror(values[i]), msgs[i]); /* the map's, not libc's */
        for (size_t j = i + 1; j < n; j++) assert_int_not_equal(values[i], values[j]);
    }
    /* the codes the I/O layers return are documented: in the map */
    const int io_codes[] = {-EOPNOTSUPP, -ENAMETOOLONG, -ESRCH, -EBADF, -ECONNRESET, -EMFILE};
    for (size_t i = 0; i < sizeof io_codes / sizeof io_codes[0]; i++) {
        int found = 0;
        for (size_t j = 0; j < n; j++) found |= values[j] == io_codes[i];
        if (!found) fail_msg("%s is not in WEFT_ERRNO_MAP", weft_errname(io_codes[i]));
    }
    assert_string_equal(weft_strerror(-EOPNOTSUPP), "operation not supported by this I/O backend");
    assert_string_equal(weft_errname(-ENAMETOOLONG), "ENAMETOOLONG");
    assert_string_equal(weft_version(), WEFT_VERSION_STRING);
    assert_int_equal(weft_version_number(), WEFT_VERSION_NUMBER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_names)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
