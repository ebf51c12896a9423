// SPDX-License-Identifier: MIT
// Names the key database stores: domains (lower-case, IDN as A-label),
// selectors (RFC 6376 §3.1) and outgoing users, as the administrator types
// them. The rules are the filter's own (filter/mail/domain_name.h,
// filter/mail/ip_address.h, filter/dkim/selector.h,
// filter/policy/user_name.h); this file adds the refusals: Error(usage)
// with the rule's own words.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "filter/mail/ip_address.h"
#include "filter/policy/user_name.h"

namespace dkim::db {

/// A domain in the form the database stores and DNS uses: lower-case,
/// internationalised labels as A-labels (RFC 5890), no trailing dot; the
/// rules of mail::normalize_domain(). Throws Error(usage) naming what is
/// wrong.
std::string normalize_domain(std::string_view name);

/// RFC 6376 §3.1: selector = sub-domain *( "." sub-domain ). Lower-cased.
/// Throws Error(usage) with dkim::selector_problem()'s text, the check the
/// filter applies to stored selectors.
std::string normalize_selector(std::string_view selector);

/// "s1,s2" -> {"s1", "s2"}, each normalised; duplicates and empty items refused.
std::vector<std::string> parse_selector_list(std::string_view list);

/// An address or CIDR range (mail::parse_ip_range), or nullopt when `text`
/// is not IP syntax at all. Throws Error(usage) for IP syntax that is wrong
/// (bad prefix, host bits set).
using mail::IpRange;
std::optional<IpRange> parse_ip_range(std::string_view text);

/// policy::parse_user_name(), throwing Error(usage) with its problem for a
/// name that is none of the kinds.
using policy::UserName;
UserName parse_user_name(std::string_view text);

/// policy::parse_bare_login(), throwing Error(usage) with its problem.
UserName parse_bare_login(std::string_view local, std::string_view domain);

/// Text from DNS or from database rows, for one line of output:
/// non-printable bytes (controls, DEL, 8-bit) as \xNN and backslash as
/// \\, so nothing in it can start a new line, move the cursor or pass for
/// a separator.
std::string escape_text(std::string_view text);

/// How a list of names is stored in one column (a user's selectors, a
/// token's domains): joined with commas, which no validated selector or
/// domain contains. split_list("") is empty.
std::string join_list(const std::vector<std::string>& names);
std::vector<std::string> split_list(std::string_view stored);

}  // namespace dkim::db
