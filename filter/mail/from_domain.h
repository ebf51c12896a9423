// SPDX-License-Identifier: MIT
// The signing domain: the domain of the single address in the single From
// field (dkim-filter(8) "SIGNING RULES", rule 3; RFC 5322 §3.6.2, RFC 6376 §5.4.1 "From" must be
// signed). The only user of mimetic in the tree; mimetic only reads a copy of
// the value, never bytes that are hashed.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace dkim::mail {

/// Why there is no signing domain. Each has a stable log reason (reason()).
enum class FromProblem {
  none,                ///< found: FromDomain::domain is set
  no_from,             ///< "no-from": the message has no From field
  multiple_from,       ///< "multiple-from": more than one From field
  multiple_addresses,  ///< "multiple-addresses": a list or a group (RFC 6854)
  unparsable,          ///< "unparsable-from": not one RFC 5322 mailbox
  invalid_domain,      ///< "invalid-from-domain": a domain literal, bad name, bad IDN
};

struct FromDomain {
  FromProblem problem = FromProblem::none;
  std::string domain;  ///< lower-case A-label form, set when problem == none
  bool ok() const { return problem == FromProblem::none; }
};

/// Longest unfolded From value that is parsed at all; longer is unparsable.
/// Real From fields are far below it; mimetic is not trusted with more.
constexpr std::size_t kMaxFromValueLength = 8192;

/// The domain of the single mailbox of the single From field. `from_values`
/// are the raw field values (bytes after "From:", folding intact, 8-bit
/// UTF-8 allowed, RFC 6532), one per From field of the message. Never
/// throws for any input; hostile input gives unparsable.
FromDomain from_domain(const std::vector<std::string>& from_values);

/// The same for one value (e.g. an address typed to `explain`).
FromDomain from_domain_of_value(std::string_view value);

/// The stable short reason for logs: "no-from", "multiple-from", ...;
/// "ok" for FromProblem::none.
std::string_view reason(FromProblem problem);

}  // namespace dkim::mail
