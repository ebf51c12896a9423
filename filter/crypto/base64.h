// SPDX-License-Identifier: MIT
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace dkim::crypto {

/// RFC 4648 base64 with padding, no line breaks (RFC 6376 §2.6 base64string).
std::string base64_encode(std::string_view bytes);

/// Decodes base64, ignoring whitespace (DNS records and tag values may be
/// folded, RFC 6376 §3.6.1). Returns nullopt on any other invalid input.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace dkim::crypto
