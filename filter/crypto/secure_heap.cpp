// SPDX-License-Identifier: MIT
#include "filter/crypto/secure_heap.h"

#include <malloc.h>
#include <openssl/crypto.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

namespace dkim::crypto {
namespace {

void* wiping_malloc(size_t n, const char*, int) { return std::malloc(n); }

void wiping_free(void* p, const char*, int) {
  if (!p) return;
  OPENSSL_cleanse(p, malloc_usable_size(p));
  std::free(p);
}

// realloc would leave the old copy behind: move it by hand and wipe it.
void* wiping_realloc(void* p, size_t n, const char* file, int line) {
  if (!p) return wiping_malloc(n, file, line);
  if (n == 0) {
    wiping_free(p, file, line);
    return nullptr;
  }
  std::size_t old = malloc_usable_size(p);
  if (n <= old) return p;
  void* q = std::malloc(n);
  if (!q) return nullptr;
  std::memcpy(q, p, old);
  wiping_free(p, file, line);
  return q;
}

}  // namespace

bool cleanse_freed_memory() {
  return CRYPTO_set_mem_functions(wiping_malloc, wiping_realloc, wiping_free) == 1;
}

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
