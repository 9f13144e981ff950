/* bench/micro: the sync primitives' tests (micro_sync.c), called from
 * micro.c's dispatcher. */
#ifndef WEFT_BENCH_MICRO_SYNC_H
#define WEFT_BENCH_MICRO_SYNC_H

/* Runs test ("queue", "pingpong", "sem", "lock") in the calling task and
 * stores its figure and unit (a negative figure: the test failed). Returns
 * 1 if it knows the test, else 0. */
int micro_sync(const char *test, double *value, const char **unit);

#endif
