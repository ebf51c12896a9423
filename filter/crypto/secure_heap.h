// SPDX-License-Identifier: MIT
// Locked memory for private keys in a long-lived process (dkim-filter-milter).
// OpenSSL's secure heap is one mlock(2)ed arena, excluded from core dumps
// (MADV_DONTDUMP), with guard pages around it; what is freed there is
// zeroed. Once it is on, OpenSSL keeps the secret parts of RSA and Ed25519
// keys in it (BN_secure_new, OPENSSL_secure_malloc), so key material never
// reaches swap and is wiped when the key is dropped.
#pragma once
#include <cstddef>

namespace dkim::crypto {

enum class SecureHeap {
  locked,    ///< on, and the arena is locked in memory
  unlocked,  ///< on, but mlock(2) failed (RLIMIT_MEMLOCK): keys may be swapped out
  off,       ///< could not be set up: keys live in the ordinary heap
};

/// Makes every block OpenSSL frees be overwritten first. OpenSSL's PEM
/// reader keeps the key's text in ordinary buffers that it frees without
/// clearing; in a process that lives on, that text would stay readable.
/// Must be the first OpenSSL call of the process; returns false otherwise.
bool cleanse_freed_memory();

/// Sets up the secure heap once, before any key is loaded. `bytes` must be
/// a power of two. Later calls return the first call's outcome.
SecureHeap enable_secure_heap(std::size_t bytes);

/// Bytes of the secure heap in use now (0 when it is off).
std::size_t secure_heap_used();

}  // namespace dkim::crypto
