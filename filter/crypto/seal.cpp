// SPDX-License-Identifier: MIT
#include "filter/crypto/seal.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

#include "filter/base/error.h"
#include "filter/crypto/base64.h"
#include "filter/crypto/evp.h"
#include "filter/crypto/key.h"

namespace dkim::crypto {
namespace {

constexpr std::string_view kPrefix = "gcm1:";
// SP 800-38D §8.2: a 96-bit IV is the recommended length; random IVs are
// safe for far more keys than a cluster holds (§8.3, 2^32 invocations).
constexpr int kNonceBytes = 12;
constexpr int kTagBytes = 16;

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* p) const noexcept { EVP_CIPHER_CTX_free(p); }
};
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

[[noreturn]] void fail(const std::string& what) { throw Error(ErrorKind::internal, "crypto: " + what); }

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* bytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

// EVP_CIPHER_CTX set up for AES-256-GCM with `key`, `nonce` and `aad`.
CipherCtxPtr start(bool encrypt, std::string_view key, std::string_view nonce, std::string_view aad) {
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return nullptr;
  int ok = EVP_CipherInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr, encrypt ? 1 : 0);
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr);
  ok = ok && EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, bytes(key), bytes(nonce), encrypt ? 1 : 0);
  int n = 0;
  ok = ok && EVP_CipherUpdate(ctx.get(), nullptr, &n, bytes(aad), static_cast<int>(aad.size()));
  return ok ? std::move(ctx) : nullptr;
}

}  // namespace

std::string seal(std::string_view key, std::string_view plaintext, std::string_view aad) {
  if (key.size() != kSealKeyBytes) fail("the sealing key must be 32 bytes");
  std::string nonce = random_bytes(kNonceBytes);
  auto ctx = start(true, key, nonce, aad);
  if (!ctx) fail("cannot start AES-256-GCM: " + openssl_error_text());
  std::string out = nonce;
  out.resize(kNonceBytes + plaintext.size() + kTagBytes);
  int n = 0, tail = 0;
  unsigned char* body = bytes(out) + kNonceBytes;
  bool ok = EVP_EncryptUpdate(ctx.get(), body, &n, bytes(plaintext), static_cast<int>(plaintext.size())) &&
            EVP_EncryptFinal_ex(ctx.get(), body + n, &tail) &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, body + plaintext.size());
  if (!ok || static_cast<std::size_t>(n + tail) != plaintext.size())
    fail("AES-256-GCM encryption failed: " + openssl_error_text());
  return std::string(kPrefix) + base64_encode(out);
}

std::optional<std::string> open_sealed(std::string_view key, std::string_view sealed, std::string_view aad) {
  if (key.size() != kSealKeyBytes || sealed.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  auto raw = base64_decode(sealed.substr(kPrefix.size()));
  if (!raw || raw->size() < kNonceBytes + kTagBytes) return std::nullopt;
  std::string_view all(*raw);
  std::string_view nonce = all.substr(0, kNonceBytes);
  std::string_view body = all.substr(kNonceBytes, all.size() - kNonceBytes - kTagBytes);
  std::string tag(all.substr(all.size() - kTagBytes));
  auto ctx = start(false, key, nonce, aad);
  if (!ctx) return std::nullopt;
  std::string out(body.size(), '\0');
  int n = 0, tail = 0;
  // SP 800-38D §7.2: the plaintext is released only when the tag verifies
  // (EVP_DecryptFinal_ex fails otherwise); until then it is wiped on error.
  bool ok = EVP_DecryptUpdate(ctx.get(), bytes(out), &n, bytes(body), static_cast<int>(body.size())) &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, bytes(tag)) &&
            EVP_DecryptFinal_ex(ctx.get(), bytes(out) + n, &tail) > 0;
  cleanse(*raw);
  if (!ok) {
    cleanse(out);
    return std::nullopt;
  }
  return out;
}

}  // namespace dkim::crypto
