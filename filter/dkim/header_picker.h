// SPDX-License-Identifier: MIT
// Which header fields a signature covers, and in which order they are hashed
// (RFC 6376 §5.4 and §5.4.2).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "filter/mail/header_block.h"

namespace dkim {

/// The seed's default list ("What do you sign by default?").
const std::vector<std::string>& default_signed_headers();

struct PickedHeaders {
  std::vector<std::string> names;  ///< the h= list, lower-case, in order
  /// The field hashed for each h= entry; null where the name is listed more
  /// often than present (over-signing: "nonexistent header field" hashes as
  /// the null string, RFC 6376 §5.4).
  std::vector<const mail::HeaderField*> fields;
};

/// Lists each name of `wanted` as many times as it is present in `fields`
/// (`from` once more, so a second From cannot be added later), pairing
/// repeated names with instances from the bottom up (§5.4.2).
PickedHeaders pick_headers(const std::vector<mail::HeaderField>& fields,
                           const std::vector<std::string>& wanted);

/// Pairs an explicit h= list with fields, bottom-up (verification, vectors).
std::vector<const mail::HeaderField*> match_headers(const std::vector<mail::HeaderField>& fields,
                                                    const std::vector<std::string>& names);

}  // namespace dkim
