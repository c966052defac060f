// config/output.cc — the registered output functions. A function and its argument change
// together under a lock, and are called outside it, so a function may print or re-register.
#include "config/output.h"

#include "platform/os.h"

namespace tessera {

namespace {

struct Handler {
  OutputFn fn = nullptr;
  void* arg = nullptr;
};

SpinLock g_lock;
Handler g_handlers[2];  // by Channel

size_t length(const char* s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

}  // namespace

void output(Channel channel, const char* text) {
  Handler h;
  {
    LockGuard guard(g_lock);
    h = g_handlers[(int)channel];
    if (h.fn == nullptr && channel == Channel::kError) h = g_handlers[(int)Channel::kMessage];
  }
  if (h.fn != nullptr) {
    h.fn(text, h.arg);
  } else {
    os::write_stderr(text, length(text));
  }
}

void output_register(Channel channel, OutputFn fn, void* arg) {
  LockGuard guard(g_lock);
  g_handlers[(int)channel] = Handler{fn, arg};
}

SpinLock& output_lock() { return g_lock; }
// A child forked while this thread was registering cannot trust a half-written pair.
void output_forget() { g_handlers[0] = g_handlers[1] = Handler{}; }

}  // namespace tessera
