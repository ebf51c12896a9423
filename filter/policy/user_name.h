// SPDX-License-Identifier: MIT
// The names of outgoing users (dkim-filter-admin(8) "USERS"), recognised by
// their syntax: a SASL login (local@domain), a mailbox wildcard
// (*@domain), a bare login (a name without '@' given a domain), a domain
// login (domain), an IP address or CIDR range. One classification for the
// admin, which refuses what fails it with the problem named here, and for
// the filter's lookups, which treat the same failure as "no such user".
// Never throws.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace dkim::policy {

enum class UserKind { login, domain, ip };

/// An outgoing user's name, classified and normalised.
struct UserName {
  std::string name;  ///< as stored: lower-case login / domain / canonical range
  UserKind kind = UserKind::login;
  std::string domain;  ///< own domain for login and domain users, empty for IP
  int prefix = -1;     ///< IP users only
};

/// The local part of a mailbox wildcard: "*@example.com" stands for every
/// login of exactly example.com that has no row of its own.
constexpr std::string_view kWildcardLocalPart = "*";

/// `text` as `dkim-filter-admin user add` names a user: a login when it has
/// an '@', an IP user when it is IP syntax, else a domain login. nullopt,
/// with `problem` set when given (e.g. "login 'a b@example.com' contains a
/// space, control character or second '@'"), when it is none of them.
std::optional<UserName> parse_user_name(std::string_view text, std::string* problem = nullptr);

/// A bare login (`alice`, as Dovecot's %n or Cyrus without a realm hand it
/// over) whose own domain is `domain`. nullopt with `problem` when `local`
/// is not a local part or `domain` not a domain.
std::optional<UserName> parse_bare_login(std::string_view local, std::string_view domain,
                                         std::string* problem = nullptr);

/// What is wrong with `local` as the local part of a login or a bare login
/// (empty, a space, a control character or an '@'); empty when nothing.
std::string local_part_problem(std::string_view local);

/// The stored name a SASL login is looked up by: parse_user_name()'s for a
/// login or domain login, the lower-cased text for a bare login. nullopt
/// when no user can have that name (an IP address is not a login).
std::optional<std::string> login_lookup_name(std::string_view login);

/// "*@example.com" for "alice@example.com": the mailbox wildcard that
/// stands for a login without a row of its own. nullopt when `login` (a
/// lookup name) is not local@domain or is itself a wildcard.
std::optional<std::string> mailbox_wildcard_for(std::string_view login);

/// Whether `name` is a mailbox wildcard ("*@domain").
bool is_mailbox_wildcard(std::string_view name);

}  // namespace dkim::policy
