// override/new_handler_call.cc — calls the installed new_handler for a nothrow operator new:
// if the handler throws (std::bad_alloc, as the standard allows), nothrow new must return
// nullptr instead of letting the exception escape a noexcept function. The one file built
// with exceptions. The build weakens its references to the C++ runtime (objcopy
// --weaken-symbol, see CMakeLists.txt), so libtessera.so still needs only libc and loads into
// C programs, which never call operator new.
#include <new>

namespace tessera::override_detail {

// Returns false when the handler threw.
bool call_new_handler_nothrow(std::new_handler handler) noexcept {
  try {
    handler();
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace tessera::override_detail
