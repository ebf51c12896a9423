// SPDX-License-Identifier: MIT
#include "db/names.h"

#include <algorithm>

#include "filter/base/error.h"
#include "filter/dkim/selector.h"
#include "filter/mail/ascii.h"
#include "filter/mail/domain_name.h"

namespace dkim::db {
namespace {

[[noreturn]] void refuse(const std::string& what) { throw Error(ErrorKind::usage, "keystore: " + what); }

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

}  // namespace

std::string normalize_domain(std::string_view name) {
  std::string problem;
  auto domain = mail::normalize_domain(mail::strip_root_dot(name), &problem);
  if (!domain) refuse(problem);
  return *domain;
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

std::optional<IpRange> parse_ip_range(std::string_view text) {
  std::string problem;
  auto range = mail::parse_ip_range(text, &problem);
  if (!problem.empty()) refuse(problem);
  return range;
}

UserName parse_user_name(std::string_view text) {
  std::string problem;
  auto name = policy::parse_user_name(text, &problem);
  if (!name) refuse(problem);
  return std::move(*name);
}

UserName parse_bare_login(std::string_view local, std::string_view domain) {
  std::string problem;
  auto name = policy::parse_bare_login(local, domain, &problem);
  if (!name) refuse(problem);
  return std::move(*name);
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

std::string join_list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

std::vector<std::string> split_list(std::string_view stored) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < stored.size()) {
    size_t comma = stored.find(',', start);
    if (comma == std::string_view::npos) comma = stored.size();
    out.emplace_back(stored.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

}  // namespace dkim::db
