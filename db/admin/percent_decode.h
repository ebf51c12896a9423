// SPDX-License-Identifier: MIT
#pragma once
#include <string>

namespace dkim::admin {

/// Decodes the percent-encoded PEM that `key import --urlencoded` takes:
/// %XX escapes (RFC 3986 §2.1) and '+' for a space (Python's quote /
/// quote_plus, as web forms and URL-style APIs send it). Throws
/// Error(data) on a broken escape.
std::string percent_decode(const std::string& in);

}  // namespace dkim::admin
