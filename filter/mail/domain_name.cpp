// SPDX-License-Identifier: MIT
#include "filter/mail/domain_name.h"

#include <idn2.h>

#include <memory>

namespace dkim::mail {
namespace {

bool is_ascii_letter_or_digit(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_all_digits(std::string_view label) {
  for (char c : label)
    if (c < '0' || c > '9') return false;
  return !label.empty();
}

bool has_non_ascii(std::string_view text) {
  for (char c : text)
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  return false;
}

/// Strict UTF-8 (RFC 3629): no overlongs, no surrogates, nothing past
/// U+10FFFF. libidn2 checks too; checking first keeps garbage away from it.
bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto b = static_cast<unsigned char>(text[i]);
    std::size_t extra = 0;
    unsigned long cp = 0;
    if (b < 0x80) {
      ++i;
      continue;
    }
    if (b >= 0xC2 && b <= 0xDF) {
      extra = 1;
      cp = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
      extra = 2;
      cp = b & 0x0F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      extra = 3;
      cp = b & 0x07;
    } else
      return false;
    if (i + extra >= text.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= extra; ++k) {
      auto cont = static_cast<unsigned char>(text[i + k]);
      if ((cont & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cont & 0x3F);
    }
    if ((extra == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
      return false;
    i += extra + 1;
  }
  return true;
}

/// UTS #46 non-transitional mapping then IDNA2008 (what browsers and
/// current MTAs do): "Exämple.DE" -> "xn--exmple-cua.de".
std::optional<std::string> to_a_labels(const std::string& utf8) {
  if (!is_valid_utf8(utf8)) return std::nullopt;
  char* out = nullptr;
  int rc = idn2_to_ascii_8z(utf8.c_str(), &out, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
  std::unique_ptr<char, decltype(&idn2_free)> owned(out, &idn2_free);
  if (rc != IDN2_OK || out == nullptr) return std::nullopt;
  return std::string(out);
}

}  // namespace

std::string label_problem(std::string_view label) {
  if (label.empty()) return "empty label";
  if (label.size() > kMaxLabelLength) return "label longer than 63 characters";
  // RFC 1123 §2.1 / RFC 5891 §4.2.3.1: no hyphen at the start or the end.
  if (label.front() == '-' || label.back() == '-') return "label starts or ends with '-'";
  for (char c : label)
    if (!is_ascii_letter_or_digit(c) && c != '-') return std::string("character '") + c + "' not allowed";
  return {};
}

std::string domain_problem(std::string_view domain) {
  if (domain.empty()) return "empty domain name";
  if (domain.size() > kMaxDomainLength) return "domain name longer than 253 characters";
  if (domain.find('.') == std::string_view::npos)
    return "domain name '" + std::string(domain) + "' needs at least two labels";
  std::string_view last;
  for (std::size_t start = 0;;) {
    std::size_t dot = domain.find('.', start);
    last = domain.substr(start, dot == std::string_view::npos ? dot : dot - start);
    std::string problem = label_problem(last);
    if (!problem.empty()) return "invalid domain name '" + std::string(domain) + "': " + problem;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  // RFC 3696 §2: a top-level domain is never all-numeric, which also keeps
  // a mistyped IPv4 address from being taken for a domain.
  if (is_all_digits(last))
    return "invalid domain name '" + std::string(domain) + "': all-numeric top-level label";
  return {};
}

bool is_valid_domain(std::string_view domain) { return domain_problem(domain).empty(); }

std::optional<std::string> normalize_domain(std::string_view domain, std::string* problem) {
  auto refuse = [&](std::string why) -> std::optional<std::string> {
    if (problem) *problem = std::move(why);
    return std::nullopt;
  };
  if (domain.empty()) return refuse("empty domain name");
  if (domain.size() > 4 * kMaxDomainLength) return refuse("domain name longer than 253 characters");
  std::string lowered = ascii_lower(domain);
  if (lowered.find('\0') != std::string::npos) return refuse("domain name contains a NUL byte");
  if (has_non_ascii(lowered)) {
    auto converted = to_a_labels(lowered);
    if (!converted) return refuse("invalid internationalised domain name '" + std::string(domain) + "'");
    lowered = ascii_lower(*converted);
  }
  std::string why = domain_problem(lowered);
  if (!why.empty()) return refuse(std::move(why));
  return lowered;
}

bool is_same_or_subdomain(std::string_view domain, std::string_view parent) {
  if (parent.empty() || domain.size() < parent.size()) return false;
  std::string d = ascii_lower(domain);
  std::string p = ascii_lower(parent);
  if (d == p) return true;
  // Label-wise: the parent must be preceded by a dot, so "evil-example.com"
  // is not under "example.com".
  return d.size() > p.size() && d.compare(d.size() - p.size(), p.size(), p) == 0 &&
         d[d.size() - p.size() - 1] == '.';
}

std::vector<std::string> domain_and_parents(std::string_view domain) {
  std::vector<std::string> out;
  std::string current = ascii_lower(domain);
  // Stop before the last label: a bare TLD never signs.
  for (std::size_t dot = current.find('.'); dot != std::string::npos && dot + 1 < current.size();
       dot = current.find('.')) {
    if (dot == 0) break;  // ".example.com": not a name
    out.push_back(current);
    current.erase(0, dot + 1);
  }
  return out;
}

}  // namespace dkim::mail
