// config/output.h — where tessera's text goes: its messages (warnings, verbose lines,
// statistics) and its error reports. By default both go to stderr with write(2); a program can
// register a function for each (ts_register_output, ts_register_error). Layer config/; uses
// base/ and platform/. Never allocates.
#pragma once
#include <cstddef>

#include "base/message.h"
#include "base/spinlock.h"

namespace tessera {

using OutputFn = void (*)(const char* msg, void* arg);

enum class Channel { kMessage, kError };

// Sends a NUL-terminated text to the channel's function. Errors go to the error function if
// one is registered, else to the message function, else to stderr; messages to the message
// function or stderr.
void output(Channel channel, const char* text);
inline void output_message(const Message& m) { output(Channel::kMessage, m.data()); }
inline void output_error(const Message& m) { output(Channel::kError, m.data()); }

// fn == nullptr goes back to stderr.
void output_register(Channel channel, OutputFn fn, void* arg);

// For the fork handlers.
SpinLock& output_lock();
void output_forget();

}  // namespace tessera
