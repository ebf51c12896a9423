// SPDX-License-Identifier: MIT
// IP addresses and CIDR ranges as outgoing users are named by and as the
// MTA reports the client (Postfix's ${client_address}, Exim's
// $sender_host_address): RFC 4632 prefixes for IPv4, RFC 4291 §2.3 for
// IPv6, each in one canonical text (RFC 5952 for IPv6) so that a name can
// be compared as a string. Never throws.
#pragma once
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace dkim::mail {

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

/// An address or CIDR range. nullopt with `problem` left empty when `text`
/// is not IP syntax at all; nullopt with `problem` set (e.g. "'192.0.2.1/24'
/// has host bits set; did you mean 192.0.2.0/24?") when it is IP syntax
/// that is wrong: a bad or too long prefix, host bits set. IPv4-mapped IPv6
/// addresses (::ffff:192.0.2.1) become IPv4.
std::optional<IpRange> parse_ip_range(std::string_view text, std::string* problem = nullptr);

/// The canonical text of one address ("2001:DB8:0::1" -> "2001:db8::1",
/// "::ffff:192.0.2.1" -> "192.0.2.1"), nullopt when `text` is not one. A
/// leading "IPv6:" (RFC 5321 §4.1.3 address literal form) is accepted.
std::optional<std::string> canonical_ip(std::string_view text);

}  // namespace dkim::mail
