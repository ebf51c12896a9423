// SPDX-License-Identifier: MIT
#include "filter/policy/user_name.h"

#include "filter/mail/ascii.h"
#include "filter/mail/domain_name.h"
#include "filter/mail/ip_address.h"

namespace dkim::policy {
namespace {

std::optional<UserName> refuse(std::string* problem, std::string why) {
  if (problem) *problem = std::move(why);
  return std::nullopt;
}

}  // namespace

std::string local_part_problem(std::string_view local) {
  if (local.empty()) return "empty local part";
  for (char c : local)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '@')
      return "contains a space, control character or second '@'";
  return {};
}

std::optional<UserName> parse_user_name(std::string_view text, std::string* problem) {
  if (text.empty()) return refuse(problem, "empty user name");
  UserName u;
  auto at = text.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view local = text.substr(0, at);
    std::string why = local_part_problem(local);
    if (local.empty()) return refuse(problem, "login '" + std::string(text) + "' has an empty local part");
    if (!why.empty()) return refuse(problem, "login '" + std::string(text) + "' " + why);
    auto domain = mail::normalize_domain(mail::strip_root_dot(text.substr(at + 1)), problem);
    if (!domain) return std::nullopt;
    u.kind = UserKind::login;
    u.domain = *domain;
    u.name = mail::ascii_lower(local) + "@" + u.domain;
    return u;
  }
  std::string ip_problem;
  if (auto range = mail::parse_ip_range(text, &ip_problem)) {
    u.kind = UserKind::ip;
    u.name = range->name();
    u.prefix = range->prefix;
    return u;
  }
  if (!ip_problem.empty()) return refuse(problem, std::move(ip_problem));
  auto domain = mail::normalize_domain(mail::strip_root_dot(text), problem);
  if (!domain) return std::nullopt;
  u.kind = UserKind::domain;
  u.domain = *domain;
  u.name = u.domain;
  return u;
}

std::optional<UserName> parse_bare_login(std::string_view local, std::string_view domain,
                                         std::string* problem) {
  std::string why = local_part_problem(local);
  if (!why.empty()) return refuse(problem, "bare login '" + std::string(local) + "': " + why);
  if (local == kWildcardLocalPart)
    return refuse(problem, "'*' is not a login; a mailbox wildcard is written *@DOMAIN");
  auto own = mail::normalize_domain(mail::strip_root_dot(domain), problem);
  if (!own) return std::nullopt;
  UserName u;
  u.kind = UserKind::login;
  u.domain = *own;
  u.name = mail::ascii_lower(local);
  return u;
}

std::optional<std::string> login_lookup_name(std::string_view login) {
  if (auto parsed = parse_user_name(login)) {
    if (parsed->kind == UserKind::ip) return std::nullopt;
    return std::move(parsed->name);
  }
  if (login.find('@') != std::string_view::npos || !local_part_problem(login).empty()) return std::nullopt;
  return mail::ascii_lower(login);
}

std::optional<std::string> mailbox_wildcard_for(std::string_view login) {
  auto at = login.rfind('@');
  if (at == std::string_view::npos || at == 0 || login.substr(0, at) == kWildcardLocalPart)
    return std::nullopt;
  return std::string(kWildcardLocalPart) + std::string(login.substr(at));
}

bool is_mailbox_wildcard(std::string_view name) { return name.size() > 2 && name.substr(0, 2) == "*@"; }

}  // namespace dkim::policy
