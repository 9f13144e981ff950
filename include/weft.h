/* weft: asyncio + aiohttp for C.
 *
 * The umbrella header: a program includes this and links -lweft
 * (pkg-config weft; CMake find_package(weft)). It includes the layer
 * headers under weft/ and nothing else.
 *
 * Requirements: C17 (or C++17) and POSIX.1-2008. Compile with
 * -D_POSIX_C_SOURCE=200809L (or _GNU_SOURCE), or in the compiler's default
 * GNU dialect (-std=gnu17): strict -std=c17 alone hides sigset_t, which
 * weft_signal_open takes, and weft/io.h then stops with an #error saying
 * so. The headers compile cleanly with -Wall -Wextra -pedantic. */
#ifndef WEFT_H
#define WEFT_H

#include "weft/version.h"
#include "weft/error.h"
#include "weft/core.h"
#include "weft/sync.h"
#include "weft/io.h"
#include "weft/net.h"
#include "weft/http.h"
#include "weft/http_server.h"

#endif /* WEFT_H */
