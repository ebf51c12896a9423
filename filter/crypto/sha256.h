// SPDX-License-Identifier: MIT
#pragma once
#include <array>
#include <cstddef>
#include <memory>
#include <string_view>

namespace dkim::crypto {

using Sha256Digest = std::array<unsigned char, 32>;

/// Incremental SHA-256 (RFC 6376 §3.3: both hashes of a sha256 signature).
/// Small updates are gathered into a buffer so that OpenSSL's per-call
/// overhead does not dominate when a canonicalizer emits short runs.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const char* data, std::size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  /// Ends the hash; the object must not be updated afterwards.
  Sha256Digest finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// One-shot convenience.
Sha256Digest sha256(std::string_view data);

}  // namespace dkim::crypto
