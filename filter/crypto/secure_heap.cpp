// SPDX-License-Identifier: MIT
#include "filter/crypto/secure_heap.h"

#include <openssl/crypto.h>

#include <mutex>

namespace dkim::crypto {

SecureHeap enable_secure_heap(std::size_t bytes) {
  static std::once_flag once;
  static SecureHeap state = SecureHeap::off;
  std::call_once(once, [bytes] {
    // Smallest block 16 bytes: a key's numbers are 128 to 512 bytes each.
    switch (CRYPTO_secure_malloc_init(bytes, 16)) {
      case 1:
        state = SecureHeap::locked;
        break;
      case 2:
        state = SecureHeap::unlocked;
        break;
      default:
        state = SecureHeap::off;
    }
  });
  return state;
}

std::size_t secure_heap_used() { return CRYPTO_secure_malloc_initialized() ? CRYPTO_secure_used() : 0; }

}  // namespace dkim::crypto
