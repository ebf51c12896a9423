// SPDX-License-Identifier: MIT
#include "filter/crypto/sha256.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cstring>

namespace dkim::crypto {

// The low-level SHA256_* calls skip the EVP provider dispatch on every
// update; they are deprecated in OpenSSL 3 only as a way to steer users to
// EVP, and hashing is where a 50 MB message spends its time.
struct Sha256::State {
  SHA256_CTX ctx;
  static constexpr std::size_t kGather = 4096;
  unsigned char buf[kGather];
  std::size_t used = 0;
  // What was hashed may be secret (the milter digests key rows to notice a
  // change): nothing of it stays in freed memory.
  ~State() { OPENSSL_cleanse(this, sizeof *this); }
};

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

Sha256::Sha256() : state_(std::make_unique<State>()) { SHA256_Init(&state_->ctx); }
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(const char* data, std::size_t size) {
  State& s = *state_;
  if (size >= State::kGather) {
    if (s.used) {
      SHA256_Update(&s.ctx, s.buf, s.used);
      s.used = 0;
    }
    SHA256_Update(&s.ctx, data, size);
    return;
  }
  if (s.used + size > State::kGather) {
    SHA256_Update(&s.ctx, s.buf, s.used);
    s.used = 0;
  }
  std::memcpy(s.buf + s.used, data, size);
  s.used += size;
}

Sha256Digest Sha256::finish() {
  State& s = *state_;
  if (s.used) SHA256_Update(&s.ctx, s.buf, s.used);
  s.used = 0;
  Sha256Digest out{};
  SHA256_Final(out.data(), &s.ctx);
  return out;
}

#pragma GCC diagnostic pop

Sha256Digest sha256(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.finish();
}

}  // namespace dkim::crypto
