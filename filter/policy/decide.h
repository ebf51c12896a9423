// SPDX-License-Identifier: MIT
// The signing rules (dkim-filter(8) "SIGNING RULES"), shared by dkim-filter
// and `dkim-filter-admin explain`.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "filter/policy/user_name.h"

namespace dkim::policy {

/// One outgoing user as the key database holds it.
struct UserRecord {
  std::string name;  ///< login, domain, or IP/CIDR as added
  UserKind kind = UserKind::login;
  std::string domain;                  ///< the user's own domain (lower-case A-label)
  std::vector<std::string> selectors;  ///< empty: no DKIM selector set
  bool any_domain = false;             ///< may sign for any From domain
  bool reauthenticating = false;       ///< never signs (rule 2)
};

/// Where decide() looks users and keys up; the keystore implements it, tests
/// stub it. Lookups are by exact lower-cased name.
class Directory {
 public:
  virtual ~Directory() = default;
  /// The login (`local@domain`), bare login, mailbox wildcard (`*@domain`)
  /// or domain login stored under the name `login` has (login_lookup_name());
  /// nullopt when there is none or no user can have that name. Never throws
  /// for the name itself.
  virtual std::optional<UserRecord> user_by_login(std::string_view login) = 0;
  /// The most specific IP user whose range contains `address`.
  virtual std::optional<UserRecord> user_by_ip(std::string_view address) = 0;
  /// Whether a key exists for (domain, selector).
  virtual bool has_key(std::string_view domain, std::string_view selector) = 0;
};

/// What the filter knows about one message.
struct Request {
  std::string sasl_user;     ///< -u; empty when none
  std::string client_ip;     ///< -a; empty when none
  std::string default_user;  ///< default-user option; empty when unset
  /// The raw values (after the colon, folding intact) of every From field.
  std::vector<std::string> from_values;
  /// d= of every DKIM-Signature already present (lower-cased).
  std::vector<std::string> existing_signature_domains;
};

struct KeyRef {
  std::string domain;  ///< where the key was found: the d= to sign with
  std::string selector;
};

struct Decision {
  bool sign = false;
  std::string reason;        ///< short, stable, key=value friendly, e.g. "unknown-user"
  std::string user;          ///< the outgoing user matched (or tried)
  std::string from_domain;   ///< the signing domain from From, when found
  std::vector<KeyRef> keys;  ///< one per signature to add, in selector order
  /// The user's stored selectors that are not RFC 6376 §3.1 selectors (a
  /// hostile or damaged row: "s1; d=victim.example", a line break): skipped,
  /// never looked up nor signed with; as stored, for the log.
  std::vector<std::string> bad_selectors;
};

/// Rule 5's search path: the domains whose key (for any selector) may sign a
/// message from `from_domain` sent by `user`, most specific first. The From
/// domain and its parents, never a bare top-level domain, and - unless the
/// user was added with --any-domain - never above the user's own domain:
/// carol@shop.example.com never signs with example.com's key. Empty when
/// `from_domain` is not the user's domain or below it.
std::vector<std::string> key_domains(const UserRecord& user, std::string_view from_domain);

/// Whether `user`'s mail may be signed with the key of `key_domain` for
/// `selector`: the user lists the selector, is not re-authenticating, and
/// `key_domain` is on the search path of some From domain it may sign for
/// (its own domain or below it; any domain with --any-domain). What
/// `dkim-filter-admin key delete` refuses to delete without --force.
bool may_sign_with(const UserRecord& user, std::string_view key_domain, std::string_view selector);

/// Applies the seven rules in order; the first that stops signing gives the
/// reason. Never throws for bad message content (that is "not signed");
/// exceptions from the Directory (database locked...) propagate unchanged.
///
/// Reasons, in rule order:
///   1 "no-user"       no SASL user, no client address, no default-user
///     "unknown-user"  the SASL user is not in the directory, neither as
///                     itself nor through its domain's mailbox wildcard
///                     (`*@domain`: a listed login wins); no fallback;
///                     or no IP user matches the client address and there
///                     is no default-user; or the default-user is unknown
///   2 "reauthenticating", "no-selector" (none set; a selector that is not
///                     valid RFC 6376 §3.1 syntax is skipped and listed in
///                     bad_selectors, so a user with only such ones ends in
///                     "no-key")
///   3 "no-from", "multiple-from", "multiple-addresses", "unparsable-from",
///     "invalid-from-domain" (domain literal, bad name, IDN that won't convert)
///   4 "foreign-domain" From domain not the user's domain or a subdomain of it
///   5 "no-key"        no selector has a key for the domain or a parent up
///                     to the user's own domain (key_domains())
///   6 "already-signed" a DKIM-Signature with d= the From domain or a key domain
///   7 "signed"        sign == true; keys in the user's selector order
/// Decision::user is the matched user's name, else the name or address tried.
/// Decision::from_domain is set from rule 3 on.
Decision decide(const Request& request, Directory& directory);

}  // namespace dkim::policy
