// SPDX-License-Identifier: MIT
// Random secrets and their comparison, for the control panel's bearer
// tokens (RFC 6750) and session cookies (RFC 6265). OpenSSL stays behind
// this header like every other crypto call.
#pragma once
#include <string>
#include <string_view>

namespace dkim::crypto {

/// `count` bytes from the OpenSSL CSPRNG (RAND_bytes(3)). Throws
/// Error(internal) when it cannot be seeded.
std::string random_bytes(std::size_t count);

/// base64url without padding (RFC 4648 §5): token68 characters only, so the
/// result fits an Authorization header (RFC 6750 §2.1) and a cookie value
/// (RFC 6265 §4.1.1) unquoted.
std::string base64url(std::string_view bytes);

/// Lower-case hex of SHA-256(data).
std::string sha256_hex(std::string_view data);

/// Equal sizes and equal bytes, in time that depends only on the size
/// (CRYPTO_memcmp(3)): a guessed token learns nothing from how long the
/// refusal took.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace dkim::crypto
