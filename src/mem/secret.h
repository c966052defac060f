// mem/secret.h — the process's random secrets: they key the block headers' check words, the
// free-list encoding and the draw of every page's own free-list key, so that a forged pointer
// or header cannot be made to verify. Drawn once, on the first slow-path use (before any block
// exists); a fork child keeps those its inherited headers and free lists need. Layer mem/.
//
// Each use has its own secret, so that what one gives away tells nothing of another: a block
// header sits next to the program's bytes, and its check word gives its key to anyone who can
// read it, but not the free-list keys.
#pragma once
#include <atomic>
#include <cstdint>

#include "base/siphash.h"

namespace tessera {

struct Secret {
  uint64_t header_key;  // the header check words' key (secure/block_check.h)
  uint64_t link_key;    // added to every encoded free-list link (mem/free_list.h)
  uint64_t shift;       // and the rotation of every link
  SipKey draw_key;      // keys secret_draw
};

extern Secret g_secret;

// Draws the secrets if this is the first use; thread-safe. Called from page_init.
void secret_init();

// A fresh 64-bit value that cannot be predicted or related to any other without draw_key:
// SipHash-2-4 of (tweak, a process-wide counter). Each page's free-list key comes from here at
// every page_init (mem/page.cc). After secret_init.
uint64_t secret_draw(uint64_t tweak);

// The fork child draws a new draw_key, so that its pages' keys from now on are not its
// parent's; the other secrets stay, as its inherited headers and links were made with them.
void secret_after_fork_child();

}  // namespace tessera
