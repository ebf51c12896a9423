// SPDX-License-Identifier: MIT
// Names the key database stores: domains (lower-case, IDN as A-label),
// selectors (RFC 6376 §3.1), and the three kinds of outgoing user (a login,
// a domain, an IP address or CIDR range), recognised by their syntax.
#pragma once
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "filter/policy/decide.h"

namespace dkim::db {

/// A domain in the form the database stores and DNS uses: lower-case,
/// internationalised labels as A-labels (RFC 5890), no trailing dot.
/// Throws Error(usage) naming what is wrong.
std::string normalize_domain(std::string_view name);

/// RFC 6376 §3.1: selector = sub-domain *( "." sub-domain ). Lower-cased.
/// Throws Error(usage) with dkim::selector_problem()'s text, the check the
/// filter applies to stored selectors.
std::string normalize_selector(std::string_view selector);

/// "s1,s2" -> {"s1", "s2"}, each normalised; duplicates and empty items refused.
std::vector<std::string> parse_selector_list(std::string_view list);

/// An IPv4 or IPv6 network. IPv4 is kept in the first 4 bytes.
struct IpRange {
  bool v6 = false;
  std::array<unsigned char, 16> bytes{};
  int prefix = 0;  ///< 0..32 or 0..128

  int max_prefix() const { return v6 ? 128 : 32; }
  /// The canonical text: the address, plus "/prefix" unless it is one host.
  std::string name() const;
  /// The same address masked to `prefix` bits.
  IpRange masked(int new_prefix) const;
};

/// An address or CIDR range, or nullopt when `text` is not IP syntax at all.
/// IPv4-mapped IPv6 addresses (::ffff:192.0.2.1) become IPv4. Throws
/// Error(usage) for IP syntax that is wrong (bad prefix, host bits set).
std::optional<IpRange> parse_ip_range(std::string_view text);

/// An outgoing user named on the command line, classified and normalised.
struct UserName {
  std::string name;  ///< as stored: lower-case login / domain / canonical range
  policy::UserKind kind = policy::UserKind::login;
  std::string domain;  ///< own domain for login and domain users, empty for IP
  int prefix = -1;     ///< IP users only
};

/// Throws Error(usage) for a name that is none of the three kinds.
UserName parse_user_name(std::string_view text);

/// Text from DNS or from database rows, for one line of output:
/// non-printable bytes (controls, DEL, 8-bit) as \xNN and backslash as
/// \\, so nothing in it can start a new line, move the cursor or pass for
/// a separator.
std::string escape_text(std::string_view text);

}  // namespace dkim::db
