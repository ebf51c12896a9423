// SPDX-License-Identifier: MIT
// The DKIM-Signature header field (RFC 6376 §3.5): the tag model and the one
// writer that produces it both for hashing (b= empty) and for output.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "filter/dkim/canonicalize.h"

namespace dkim {

constexpr std::string_view kSignatureFieldName = "DKIM-Signature";
/// Folded lines are at most this many characters, line end excluded.
constexpr std::size_t kMaxLineLength = 78;

struct SignatureTags {
  std::string algorithm;             ///< a=, "rsa-sha256" or "ed25519-sha256"
  Canonicalization canon;            ///< c=
  std::string domain;                ///< d=
  std::string selector;              ///< s=
  long long timestamp = 0;           ///< t=, always written
  std::optional<long long> expiry;   ///< x=, when configured
  std::vector<std::string> headers;  ///< h=
  std::string body_hash;             ///< bh=, base64
};

/// Writes the whole field, "DKIM-Signature: v=1; ..." through its final line
/// end `eol`, folded at kMaxLineLength. `b` is the base64 signature; pass ""
/// for the form that is hashed (RFC 6376 §3.7). Everything before the b=
/// value is laid out independently of `b`, so both forms agree byte for byte.
std::string write_signature_field(const SignatureTags& tags, std::string_view b, std::string_view eol);

}  // namespace dkim
