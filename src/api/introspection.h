// api/introspection.h — glibc's malloc introspection with tessera's figures: what
// override/malloc_introspection.cc exports as mallinfo2 and mallinfo (malloc_trim, mallopt,
// malloc_stats and malloc_info forward to ts_ functions of include/tessera/tessera.h).
#pragma once
#include <malloc.h>

namespace tessera::api {

struct mallinfo2 mallinfo2_now();
// mallinfo2_now with every field saturated to INT_MAX.
struct mallinfo mallinfo_now();

}  // namespace tessera::api
