/* weft-test: timeout=30
 * UDP: bound and connected sockets exchange datagrams over IPv4 and IPv6
 * with the sender's address; a receive in flight is interrupted by a
 * cancellation and by a deadline, and the datagram that comes later is
 * still there. */
#include "wt.h"

#include <string.h>

#include "core/loop.h"

static int receiver(void *arg)
{
    int fd = *(int *)arg;
    char buf[16];
    return (int)weft_udp_recvfrom(fd, buf, sizeof buf, NULL);
}

static int body(void *arg)
{
    (void)arg;
    static const char *const hosts[] = {"127.0.0.1", "::1"};
    for (int i = 0; i < 2; i++) {
        int a, b;
        WT_REQUIRE_EQ(weft_udp_bind(&a, hosts[i], 0, NULL), 0);
        weft_addr aa;
        socklen_t l = sizeof aa.u;
        WT_REQUIRE(getsockname(a, &aa.u.sa, &l) == 0);
        aa.len = l;
        WT_REQUIRE_EQ(weft_udp_connect(&b, hosts[i], weft_addr_port(&aa)), 0);
        /* a receive in flight: cancelled, then timed out */
        weft_task *t;
        WT_REQUIRE_EQ(weft_spawn(&t, receiver, &a), 0);
        WT_EQ(weft_sleep(WEFT_MS(5)), 0);
        WT_EQ(weft_cancel(t), 0);
        WT_EQ(weft_join(t), -ECANCELED);
        WT_REQUIRE_EQ(weft_deadline_push(WEFT_MS(5)), 0);
        WT_EQ(receiver(&a), -ETIMEDOUT);
        WT_EQ(weft_deadline_pop(), 1);
        WT_EQ(weft_loop_current()->io_inflight, 0);
        /* b -> a (connected send), a -> b (to the sender's address) */
        WT_EQ(weft_udp_sendto(b, "dgram", 5, NULL), 5);
        char buf[16];
        weft_addr from;
        WT_EQ(weft_udp_recvfrom(a, buf, sizeof buf, &from), 5);
        WT_EQ(memcmp(buf, "dgram", 5), 0);
        WT_EQ(weft_udp_sendto(a, "reply!", 6, &from), 6);
        WT_EQ(weft_udp_recvfrom(b, buf, sizeof buf, NULL), 6);
        WT_EQ(memcmp(buf, "reply!", 6), 0);
        /* truncation to the caller's buffer */
        WT_EQ(weft_udp_sendto(b, "0123456789", 10, NULL), 10);
        WT_EQ(weft_udp_recvfrom(a, buf, 4, NULL), 4);
        WT_EQ(weft_fd_close(a), 0);
        WT_EQ(weft_fd_close(b), 0);
    }
    return 0;
}

static void test_udp(void **s)
{
    (void)s;
    assert_int_equal(wt_run(body, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_udp)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
