/* bench/micro: the sync primitives' tests (micro_sync.c), called from
 * micro.c's dispatcher. */
#ifndef WEFT_BENCH_MICRO_SYNC_H
#define WEFT_BENCH_MICRO_SYNC_H

/* Runs test ("queue", "pingpong", "sem", "lock") and stores its figure and
 * unit. Returns 1 if it knows the test (0 if not), -1 if the test failed. */
int micro_sync(const char *test, double *value, const char **unit);

#endif
