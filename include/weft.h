/* weft: asyncio + aiohttp for C.
 *
 * The umbrella header: a program includes this and links -lweft
 * (pkg-config weft; CMake find_package(weft)). It includes the layer
 * headers under weft/ and nothing else. */
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
