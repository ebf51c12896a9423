// SPDX-License-Identifier: MIT
// DKIM signing and verification keys (RFC 6376 §3.3, RFC 8301, RFC 8463).
// The interface hides OpenSSL: callers see key types, PEM text, DNS p=
// values, digests and signatures.
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "filter/crypto/sha256.h"

namespace dkim::crypto {

enum class KeyType { rsa, ed25519 };

/// "rsa" / "ed25519", the k= tag value of the DNS record.
std::string_view key_type_name(KeyType type);
/// "rsa-sha256" / "ed25519-sha256", the a= tag value.
std::string_view algorithm_name(KeyType type);

/// RFC 8301 §3.2: "Signers MUST use RSA keys of at least 1024 bits".
constexpr int kMinRsaBits = 1024;

class PublicKey {
 public:
  /// From a DNS record's p= value (base64, whitespace allowed). RSA accepts
  /// SubjectPublicKeyInfo and bare RSAPublicKey; Ed25519 the raw 32 bytes.
  /// Throws dkim::Error(config) when the value is not such a key.
  static PublicKey from_dns_value(KeyType type, std::string_view p_base64);

  KeyType type() const { return type_; }
  /// The p= value to publish: base64 SubjectPublicKeyInfo for RSA, base64
  /// raw key for Ed25519 (RFC 8463 §4.2).
  std::string dns_value() const;
  /// True if `signature` is this key's DKIM signature of `digest`.
  bool verify_digest(const Sha256Digest& digest, std::string_view signature) const;

  PublicKey(PublicKey&&) noexcept;
  PublicKey& operator=(PublicKey&&) noexcept;
  ~PublicKey();

 private:
  struct Impl;
  PublicKey(KeyType type, std::unique_ptr<Impl> impl);
  friend class PrivateKey;
  KeyType type_;
  std::unique_ptr<Impl> impl_;
};

class PrivateKey {
 public:
  /// Parses a PEM private key (PKCS#1 "RSA PRIVATE KEY" or PKCS#8
  /// "PRIVATE KEY"). Throws dkim::Error(config) naming what is wrong: not
  /// PEM, a public key, a certificate, encrypted, unsupported type, RSA
  /// under 1024 bits, an RSA public exponent that is even or outside
  /// 2^16 < e < 2^256 (NIST SP 800-89 §5.3.3), inconsistent RSA CRT values,
  /// a key OpenSSL's private/public checks reject; with `thorough` (import)
  /// also OpenSSL's full pair check, primality tests included, which costs
  /// milliseconds. The message never contains key bytes.
  static PrivateKey from_pem(std::string_view pem, bool thorough = false);
  /// A fresh RSA key of `bits` (1024..8192) or an Ed25519 key.
  static PrivateKey generate(KeyType type, int bits = 2048);

  KeyType type() const { return type_; }
  int bits() const { return bits_; }
  /// RSA: PKCS#1 v1.5 over the SHA-256 DigestInfo; Ed25519: pure Ed25519
  /// over the 32 digest bytes ("ed25519-sha256", RFC 8463 §3).
  std::string sign_digest(const Sha256Digest& digest) const;
  PublicKey public_key() const;
  /// True when `key` is this key's public half (same type and numbers): a
  /// damaged private key derives a different, self-consistent public key.
  bool matches(const PublicKey& key) const;
  /// Unencrypted PKCS#8 PEM, for storage.
  std::string to_pem() const;

  PrivateKey(PrivateKey&&) noexcept;
  PrivateKey& operator=(PrivateKey&&) noexcept;
  ~PrivateKey();

 private:
  struct Impl;
  PrivateKey(KeyType type, int bits, std::unique_ptr<Impl> impl);
  KeyType type_;
  int bits_;
  std::unique_ptr<Impl> impl_;
};

/// Process-wide set-up for a short-lived signer: skips the OpenSSL config
/// file. Call once, first thing.
void initialize();

/// Overwrites a buffer that held key material (OPENSSL_cleanse cannot be
/// optimised away).
void cleanse(std::string& secret);

/// Overwrites the 64 KB of stack below the caller's frame. Key text passes
/// through frames that have since returned (SQLite's, the C library's, our
/// decoder's); what they left there stays readable in the process until
/// something deeper happens to overwrite it. Call once keys are loaded.
void scrub_stack();

}  // namespace dkim::crypto
