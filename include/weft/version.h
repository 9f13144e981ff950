/* Version macros and the run-time version check (SQLite style): compare
 * WEFT_VERSION_NUMBER against weft_version_number() to catch a program
 * built against one header and run against another library. */
#ifndef WEFT_VERSION_H
#define WEFT_VERSION_H

#define WEFT_VERSION_MAJOR 0
#define WEFT_VERSION_MINOR 1
#define WEFT_VERSION_PATCH 0
#define WEFT_VERSION_STRING "0.1.0"
#define WEFT_VERSION_NUMBER (WEFT_VERSION_MAJOR * 10000 + WEFT_VERSION_MINOR * 100 + WEFT_VERSION_PATCH)

#if defined(WEFT_BUILDING)
#define WEFT_API __attribute__((visibility("default")))
#else
#define WEFT_API
#endif
/* Every call that reports an error is marked so that the compiler warns
 * when its result is dropped: a waiting call that returns -ECANCELED and is
 * ignored is how cancelled tasks spin forever. To drop a result on purpose
 * write WEFT_IGNORE(call) (gcc does not accept a plain (void) cast here);
 * define WEFT_NODISCARD empty before including weft.h to turn this off. */
#ifndef WEFT_NODISCARD
#define WEFT_NODISCARD __attribute__((warn_unused_result))
#endif
#define WEFT_IGNORE(x) ((void)!(x))

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version as "MAJOR.MINOR.PATCH". Never fails; thread-safe. */
WEFT_API const char *weft_version(void);
/* The library's WEFT_VERSION_NUMBER. Never fails; thread-safe. */
WEFT_API int weft_version_number(void);

#ifdef __cplusplus
}
#endif
#endif /* WEFT_VERSION_H */
