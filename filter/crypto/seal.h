// SPDX-License-Identifier: MIT
// Authenticated encryption of private keys at rest (the cluster's copy in
// PostgreSQL): AES-256-GCM, NIST SP 800-38D, through OpenSSL's EVP
// interface (EVP_EncryptInit_ex(3)). A sealed value is text,
// "gcm1:" + base64(12-byte random nonce || ciphertext || 16-byte tag), so
// it fits a TEXT column and a dump shows no key. The associated data binds
// it to its row: a sealed key copied to another (domain, selector) does
// not open.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "filter/crypto/secret.h"  // random_bytes

namespace dkim::crypto {

/// AES-256: a 32-byte key.
constexpr std::size_t kSealKeyBytes = 32;

/// Encrypts `plaintext` under `key` (kSealKeyBytes) with a fresh random
/// nonce; `aad` is authenticated, not stored. Throws Error(internal) for a
/// key of the wrong length or an OpenSSL failure.
std::string seal(std::string_view key, std::string_view plaintext, std::string_view aad);

/// The plaintext, or nullopt when `sealed` is malformed or does not
/// authenticate under this key and `aad` (wrong key, other row, tampered):
/// never a partial or garbled plaintext.
std::optional<std::string> open_sealed(std::string_view key, std::string_view sealed, std::string_view aad);

}  // namespace dkim::crypto
