// SPDX-License-Identifier: MIT
// Which header fields a signature covers, and in which order they are hashed
// (RFC 6376 §5.4 and §5.4.2). Linear in the number of fields: a message
// with 200,000 To fields is an ordinary input, not a reason to stall.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "filter/mail/header_block.h"

namespace dkim {

/// h= lists one field name at most this many times: the bottom-most (newest)
/// instances, so the signature field stays far below Postfix's
/// header_size_limit and Exim's size_addition however many copies a message
/// carries (dkim-filter(8), "Signed header fields").
constexpr std::size_t kMaxListedPerName = 50;

/// The default list (dkim-filter(8) "Signed header fields").
const std::vector<std::string>& default_signed_headers();

/// Whether `name` (lower-case) is over-signed - listed once more than it is
/// present, so that another instance cannot be added later without breaking
/// the signature (RFC 6376 §8.15): From always, even when absent; Subject,
/// To, Cc, Reply-To, Date, Message-ID, Content-Type, MIME-Version and
/// Content-Transfer-Encoding only when present (an absent Date or
/// Message-ID may still be added by a later hop).
bool is_over_signed(std::string_view name, std::size_t present);

struct PickedHeaders {
  std::vector<std::string> names;  ///< the h= list, lower-case, in order
  /// The field hashed for each h= entry; null where the name is listed more
  /// often than present (over-signing: "nonexistent header field" hashes as
  /// the null string, RFC 6376 §5.4).
  std::vector<const mail::HeaderField*> fields;
};

/// Lists each name of `wanted` (a name given twice counts once) as many
/// times as it is present in `fields`, plus the over-signing entry
/// (is_over_signed()), pairing repeated names with instances from the
/// bottom up (§5.4.2). At most kMaxListedPerName entries per name: a name
/// present that often is listed exactly that often, for its bottom-most
/// instances, and not over-signed - one more entry would cover one more
/// instance (§5.4.2), not a missing one.
PickedHeaders pick_headers(const std::vector<mail::HeaderField>& fields,
                           const std::vector<std::string>& wanted);

/// Pairs an explicit h= list with fields, bottom-up (verification, vectors).
std::vector<const mail::HeaderField*> match_headers(const std::vector<mail::HeaderField>& fields,
                                                    const std::vector<std::string>& names);

}  // namespace dkim
