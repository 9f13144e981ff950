/* bench/micro: the stream layer's tests (micro_io.c), called from
 * micro.c's dispatcher. */
#ifndef WEFT_BENCH_MICRO_IO_H
#define WEFT_BENCH_MICRO_IO_H

/* Runs test ("swrite", "swrite4k") in the calling task and stores its
 * figure and unit (a negative figure: the test failed). Returns 1 if it
 * knows the test, else 0. */
int micro_io(const char *test, double *value, const char **unit);

#endif
