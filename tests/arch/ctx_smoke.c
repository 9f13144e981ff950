/* A self-contained check of the context switch and the scheduler, built
 * without the test framework so it can be cross-compiled for another ABI
 * (tests/arch/cross.sh builds it for AArch64 and runs it under qemu-user).
 * Exits 0 when every check passes. */
#include <stdio.h>
#include <string.h>
#include <weft.h>

static int fails;
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);                 \
            fails++;                                                                               \
        }                                                                                          \
    } while (0)

static char order[32];
static int olen;

/* Uses callee-saved registers and floating point across switches. */
static int pinger(void *arg)
{
    char c = *(const char *)arg;
    double acc = 1.5;
    long sum = 0;
    for (int i = 0; i < 3; i++) {
        order[olen++] = c;
        acc *= 2.0;
        sum += i * 7;
        if (weft_yield() < 0) return -1;
    }
    return acc == 12.0 && sum == 21 ? 0 : -2;
}

static int deep(void *arg)
{
    (void)arg;
    volatile char buf[16384];
    memset((char *)buf, 1, sizeof buf);
    return weft_sleep(WEFT_MS(1)) == 0 && buf[100] == 1 ? 5 : -1;
}

static int body(void *arg)
{
    (void)arg;
    const char a = 'a', b = 'b';
    weft_task *t1, *t2, *t3;
    CHECK(weft_spawn(&t1, pinger, (void *)&a) == 0);
    CHECK(weft_spawn(&t2, pinger, (void *)&b) == 0);
    CHECK(weft_spawn(&t3, deep, NULL) == 0);
    CHECK(weft_join(t1) == 0);
    CHECK(weft_join(t2) == 0);
    CHECK(weft_join(t3) == 5);
    order[olen] = 0;
    CHECK(strcmp(order, "ababab") == 0);
    weft_group *g;
    CHECK(weft_group_new(&g, WEFT_COLLECT) == 0);
    for (int i = 0; i < 1000; i++) CHECK(weft_group_spawn(g, NULL, deep, NULL) == 0);
    CHECK(weft_group_wait(g) == 0);
    weft_group_free(g);
    CHECK(weft_deadline_push(WEFT_MS(5)) == 0);
    CHECK(weft_sleep(WEFT_SEC(5)) == -ETIMEDOUT);
    CHECK(weft_deadline_pop() == 1);
    return 0;
}

int main(void)
{
    int rc = weft_run(body, NULL);
    CHECK(rc == 0);
    printf("ctx_smoke: %s\n", fails ? "FAILED" : "ok");
    return fails ? 1 : 0;
}
