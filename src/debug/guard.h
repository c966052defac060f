// debug/guard.h — in debug builds, aborts if the allocator re-enters itself (an OS or libc
// call made from inside tessera that calls malloc would otherwise corrupt a heap mid-update
// or recurse forever). Compiles to nothing in release builds.
#pragma once
#include "base/macros.h"
#include "base/message.h"
#include "platform/os.h"

namespace tessera {

inline constinit thread_local bool t_inside_allocator = false;

class ReentryGuard {
 public:
  ReentryGuard() {
    if constexpr (kDebug) {
      if (t_inside_allocator) {
        Message m;
        m.text("tessera: error: the allocator re-entered itself (malloc called from inside "
               "tessera)\n");
        os::write_stderr(m.data(), m.size());
        os::abort();
      }
      t_inside_allocator = true;
    }
  }
  ~ReentryGuard() {
    if constexpr (kDebug) t_inside_allocator = false;
  }
  ReentryGuard(const ReentryGuard&) = delete;
  ReentryGuard& operator=(const ReentryGuard&) = delete;
};

}  // namespace tessera
