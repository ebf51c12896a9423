// SPDX-License-Identifier: MIT
#include "filter/mail/ip_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "filter/mail/ascii.h"

namespace dkim::mail {

std::string IpRange::name() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf);
  std::string out = buf;
  if (prefix != max_prefix()) out += "/" + std::to_string(prefix);
  return out;
}

IpRange IpRange::masked(int new_prefix) const {
  IpRange r = *this;
  r.prefix = new_prefix;
  for (int i = 0; i < 16; ++i) {
    int keep = std::clamp(new_prefix - 8 * i, 0, 8);
    r.bytes[static_cast<size_t>(i)] &= static_cast<unsigned char>(0xff00u >> keep);
  }
  return r;
}

std::optional<IpRange> parse_ip_range(std::string_view text, std::string* problem) {
  auto refuse = [&](std::string why) -> std::optional<IpRange> {
    if (problem) *problem = std::move(why);
    return std::nullopt;
  };
  if (text.find('\0') != std::string_view::npos) return std::nullopt;  // inet_pton would stop there
  auto slash = text.find('/');
  std::string addr(text.substr(0, slash));
  IpRange r;
  if (inet_pton(AF_INET, addr.c_str(), r.bytes.data()) == 1) {
    r.v6 = false;
  } else if (inet_pton(AF_INET6, addr.c_str(), r.bytes.data()) == 1) {
    static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    r.v6 = std::memcmp(r.bytes.data(), kMapped, 12) != 0;
    if (!r.v6) {  // ::ffff:a.b.c.d is the IPv4 client a dual-stack socket reports
      std::memmove(r.bytes.data(), r.bytes.data() + 12, 4);
      std::fill(r.bytes.begin() + 4, r.bytes.end(), 0);
    }
  } else {
    return std::nullopt;
  }
  r.prefix = r.max_prefix();
  if (slash == std::string_view::npos) return r;
  std::string_view digits = text.substr(slash + 1);
  if (digits.empty() || digits.size() > 3 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return refuse("invalid prefix length in '" + std::string(text) + "'");
  int prefix = 0;
  for (char c : digits) prefix = prefix * 10 + (c - '0');
  if (prefix > r.max_prefix()) return refuse("prefix length too long in '" + std::string(text) + "'");
  if (r.masked(prefix).bytes != r.bytes)
    return refuse("'" + std::string(text) + "' has host bits set; did you mean " + r.masked(prefix).name() +
                  "?");
  r.prefix = prefix;
  return r;
}

std::optional<std::string> canonical_ip(std::string_view text) {
  if (text.size() > 5 && ascii_lower(text.substr(0, 5)) == "ipv6:") text.remove_prefix(5);
  if (text.find('/') != std::string_view::npos) return std::nullopt;  // one address, not a range
  auto ip = parse_ip_range(text);
  if (!ip) return std::nullopt;
  return ip->name();
}

}  // namespace dkim::mail
