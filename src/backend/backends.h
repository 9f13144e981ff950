/* Layer 2: the backends this build has (each in its own file). */
#ifndef WEFT_BACKEND_BACKENDS_H
#define WEFT_BACKEND_BACKENDS_H

#include "core/backend.h"

extern const weft__backend weft__backend_poll;

#endif
