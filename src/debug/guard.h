// debug/guard.h — marks the calling thread as inside the allocator's slow paths. Debug builds
// abort if the allocator re-enters itself (an OS or libc call made from inside tessera that
// calls malloc would otherwise corrupt a heap mid-update or recurse forever). In every build
// the mark tells the fork handler that a signal handler may have interrupted this thread
// mid-update (global/process.cc).
#pragma once
#include "base/macros.h"
#include "base/message.h"
#include "config/output.h"
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
        output_error(m);
        os::abort();
      }
    }
    t_inside_allocator = true;
  }
  ~ReentryGuard() { t_inside_allocator = false; }
  ReentryGuard(const ReentryGuard&) = delete;
  ReentryGuard& operator=(const ReentryGuard&) = delete;
};

}  // namespace tessera
