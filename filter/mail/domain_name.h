// SPDX-License-Identifier: MIT
// Domain names as DKIM uses them for d= (RFC 6376 §3.5): lower-case
// A-labels of letters, digits and hyphens (RFC 1123 §2.1, RFC 5890 §2.3.2.1).
// Internationalised names are converted with libidn2 (UTS #46, IDNA2008).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "filter/mail/ascii.h"

namespace dkim::mail {

/// RFC 1035 §2.3.4 limits.
constexpr std::size_t kMaxLabelLength = 63;
constexpr std::size_t kMaxDomainLength = 253;

/// What is wrong with `label` as an RFC 5321 sub-domain (Let-dig [Ldh-str]:
/// 1..63 letters, digits and hyphens, no hyphen at either end), e.g. "label
/// starts or ends with '-'", or an empty string when it is one. Case is not
/// checked.
std::string label_problem(std::string_view label);

/// What is wrong with `domain` as a host name, e.g. "domain name 'localhost'
/// needs at least two labels", or an empty string when it is one: at most 253
/// characters, at least two dot-separated labels, each one label_problem()
/// accepts, and a top-level label that is not all digits (RFC 3696 §2, so an
/// IPv4 address is not a domain). Case is not checked.
std::string domain_problem(std::string_view domain);

/// domain_problem(domain).empty().
bool is_valid_domain(std::string_view domain);

/// The domain in the form d= needs: lower-cased, a UTF-8 name converted to
/// A-labels (punycode), then checked with is_valid_domain(). nullopt when the
/// name is not valid (domain literals like "[192.0.2.1]", bad UTF-8, labels
/// IDNA2008 disallows...).
/// When `problem` is given, it receives why not (domain_problem()'s text, or
/// "invalid internationalised domain name '...'"). Never throws.
std::optional<std::string> normalize_domain(std::string_view domain, std::string* problem = nullptr);

/// `domain` without one trailing dot: "example.com." (a fully qualified
/// name, RFC 1034 §3.1) as an administrator or a SASL realm may write it.
inline std::string_view strip_root_dot(std::string_view domain) {
  if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
  return domain;
}

/// True if `domain` equals `parent` or is a subdomain of it, compared label
/// by label and without case: "mail.example.com" is under "example.com",
/// "evil-example.com" is not. An empty `parent` contains nothing.
bool is_same_or_subdomain(std::string_view domain, std::string_view parent);

/// `domain` followed by each of its parents, most specific first, never a
/// bare top-level domain: "a.b.example.com" -> {"a.b.example.com",
/// "b.example.com", "example.com"}. A single-label input gives {}.
std::vector<std::string> domain_and_parents(std::string_view domain);

}  // namespace dkim::mail
