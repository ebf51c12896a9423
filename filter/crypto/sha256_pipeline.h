// SPDX-License-Identifier: MIT
#pragma once
#include <cstddef>
#include <memory>
#include <string_view>

#include "filter/crypto/sha256.h"

namespace dkim::crypto {

/// SHA-256 of a long stream, hashed on a second thread while the caller
/// produces the next bytes.
///
/// Why: one core hashes at about 1.2-1.4 GB/s even with SHA-NI, and the
/// body's reading and canonicalization cost about as much again, so a
/// single thread tops out near 0.7 GB/s on a large body. Hashing block n
/// while block n+1 is read and canonicalized moves that to the hash's own
/// speed. Below `threshold` bytes (every ordinary message) no thread is
/// started: update() hashes inline, exactly like Sha256. If the thread
/// cannot be created (a process limit), hashing stays inline.
///
/// The digest is the same either way: blocks are hashed strictly in the
/// order they were given.
class Sha256Pipeline {
 public:
  static constexpr std::size_t kDefaultThreshold = 1 << 20;

  explicit Sha256Pipeline(std::size_t threshold = kDefaultThreshold);
  ~Sha256Pipeline();
  Sha256Pipeline(const Sha256Pipeline&) = delete;
  Sha256Pipeline& operator=(const Sha256Pipeline&) = delete;

  void update(const char* data, std::size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  /// Ends the hash (and the thread); the object must not be updated afterwards.
  Sha256Digest finish();
  /// True once the second thread has taken over (for tests and benchmarks).
  bool threaded() const { return worker_ != nullptr; }

 private:
  class Worker;
  Sha256 inline_;
  std::unique_ptr<Worker> worker_;
  std::size_t seen_ = 0;
  std::size_t threshold_;
  bool tried_thread_ = false;
};

}  // namespace dkim::crypto
