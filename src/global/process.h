// global/process.h — once-per-process set-up: options, the thread-exit hook, fork handlers.
#pragma once

namespace tessera {

// Idempotent and thread-safe; called from the first slow path of every thread.
void process_init();

}  // namespace tessera
