// SPDX-License-Identifier: MIT
#include "db/names.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "filter/dkim/error.h"
#include "filter/dkim/selector.h"
#include "filter/mail/ascii.h"
#include "filter/mail/domain_name.h"

namespace dkim::db {
namespace {

[[noreturn]] void refuse(const std::string& what) { throw Error(ErrorKind::usage, "keystore: " + what); }

bool has_non_ascii(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

// UTS #46 / IDNA2008 through the filter's own converter (libidn2), so the
// admin stores exactly the A-label the filter derives from a From address.
std::string to_a_label(std::string_view name) {
  auto a_label = mail::normalize_domain(name);
  if (!a_label) refuse("invalid internationalised domain name '" + std::string(name) + "'");
  return *a_label;
}

}  // namespace

std::string normalize_domain(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty()) refuse("empty domain name");
  std::string ascii = has_non_ascii(name) ? to_a_label(name) : std::string(name);
  ascii = mail::ascii_lower(ascii);
  if (ascii.size() > 253) refuse("domain name longer than 253 characters");
  auto labels = split(ascii, '.');
  if (labels.size() < 2) refuse("domain name '" + ascii + "' needs at least two labels");
  for (auto label : labels) {
    std::string problem = mail::label_problem(label);
    if (!problem.empty()) refuse("invalid domain name '" + ascii + "': " + problem);
  }
  // RFC 3696 §2: a top-level domain is never all-numeric, which also keeps
  // a mistyped IPv4 address from being taken for a domain.
  const auto& tld = labels.back();
  if (std::all_of(tld.begin(), tld.end(), [](char c) { return c >= '0' && c <= '9'; }))
    refuse("invalid domain name '" + ascii + "': all-numeric top-level label");
  return ascii;
}

std::string normalize_selector(std::string_view selector) {
  std::string lower = mail::ascii_lower(selector);
  std::string problem = selector_problem(lower);
  if (!problem.empty()) refuse(problem);
  return lower;
}

std::vector<std::string> parse_selector_list(std::string_view list) {
  std::vector<std::string> out;
  for (auto item : split(list, ',')) {
    std::string sel = normalize_selector(item);
    if (std::find(out.begin(), out.end(), sel) != out.end()) refuse("selector '" + sel + "' listed twice");
    out.push_back(sel);
  }
  return out;
}

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

std::optional<IpRange> parse_ip_range(std::string_view text) {
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
  if (slash != std::string_view::npos) {
    std::string_view digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
      refuse("invalid prefix length in '" + std::string(text) + "'");
    int prefix = std::atoi(std::string(digits).c_str());
    if (prefix > r.max_prefix()) refuse("prefix length too long in '" + std::string(text) + "'");
    if (r.masked(prefix).bytes != r.bytes)
      refuse("'" + std::string(text) + "' has host bits set; did you mean " + r.masked(prefix).name() + "?");
    r.prefix = prefix;
  }
  return r;
}

UserName parse_user_name(std::string_view text) {
  UserName u;
  if (text.empty()) refuse("empty user name");
  auto at = text.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view local = text.substr(0, at);
    if (local.empty()) refuse("login '" + std::string(text) + "' has an empty local part");
    for (char c : local)
      if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '@')
        refuse("login '" + std::string(text) + "' contains a space, control character or second '@'");
    u.kind = policy::UserKind::login;
    u.domain = normalize_domain(text.substr(at + 1));
    u.name = mail::ascii_lower(local) + "@" + u.domain;
    return u;
  }
  if (auto range = parse_ip_range(text)) {
    u.kind = policy::UserKind::ip;
    u.name = range->name();
    u.prefix = range->prefix;
    return u;
  }
  u.kind = policy::UserKind::domain;
  u.domain = normalize_domain(text);
  u.name = u.domain;
  return u;
}

std::string escape_text(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\\') {
      out += "\\\\";
    } else if (u < 0x20 || u >= 0x7f) {
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace dkim::db
