// SPDX-License-Identifier: MIT
// DKIM selectors (RFC 6376 §3.1): the s= value and the first labels of the
// key's DNS name. One syntax for every reader: the admin refuses a selector
// that breaks it, the filter skips a stored one that does, so a database
// row can never put a ';' (a forged tag) or a line break (a forged header
// line) into a DKIM-Signature field.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace dkim {

/// The longest selector: a DNS name's limit (RFC 1035 §2.3.4).
constexpr std::size_t kMaxSelectorLength = 253;

/// RFC 6376 §3.1: selector = sub-domain *( "." sub-domain ), sub-domain as
/// in RFC 5321 (letters, digits, inner hyphens, 1..63 characters). Returns
/// what is wrong with `selector` (e.g. "invalid selector 's1;': character
/// ';' not allowed"), or an empty string when it is a selector. Case is not
/// checked. Never throws.
std::string selector_problem(std::string_view selector);

/// selector_problem(selector).empty().
bool is_valid_selector(std::string_view selector);

}  // namespace dkim
