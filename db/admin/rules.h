// SPDX-License-Identifier: MIT
// The checks and refusals behind dkim-filter-admin's key and user
// commands, without any printing: the admin's commands and the control
// panel's API (dkim-filter-web) both call these, so the two refuse the
// same things in the same words. Warnings are returned for the caller to
// show its own way.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "db/keystore.h"
#include "db/names.h"
#include "filter/crypto/key.h"
#include "filter/policy/decide.h"

namespace dkim::admin {

using Warnings = std::vector<std::string>;

/// `key generate`'s --algorithm and --bits: the key type and size, or
/// Error(usage). A 1024-bit RSA key and any Ed25519 key add a warning.
std::pair<crypto::KeyType, int> check_generate(const std::string& algorithm, std::optional<int> bits,
                                               Warnings& warnings);

/// DOMAIN, SELECTOR and canonicalization, normalised (Error(usage) if not valid).
db::KeyRecord new_key_record(const std::string& domain, const std::string& selector,
                             const std::string& canon);

/// Error(data) when the domain already has a key for the selector.
void refuse_existing_key(db::KeyStore& store, const db::KeyRecord& record);

/// Stores `key` under `record` in one transaction. Returns the record
/// without its private key.
db::KeyRecord store_key(db::KeyStore& store, db::KeyRecord record, const crypto::PrivateKey& key);

/// `key import`: the PEM (percent-decoded first when `urlencoded`), with
/// the thorough checks (RSA size, exponent); Error(data) "key import: ...".
/// Cleanses `pem`. RSA under 2048 bits adds a warning.
crypto::PrivateKey parse_import(std::string& pem, bool urlencoded, Warnings& warnings);

/// The users whose mail the key (domain, selector) signs, as
/// policy::may_sign_with() decides, by name (escaped for one line).
/// (`key delete` itself is lifecycle.h's delete_key().)
std::vector<std::string> key_users(db::KeyStore& store, const std::string& domain,
                                   const std::string& selector);

/// What `user add` is given.
struct NewUser {
  std::string name;
  std::optional<std::string> selectors;  ///< "s1,s2"
  std::optional<std::string> domain;     ///< --domain
  bool any_domain = false;
  bool reauthenticating = false;
};

/// Shown when a selector is set on such a user (dkim-filter(8) rule 2).
constexpr const char* kReauthRefusal =
    "DKIM signing is unavailable if you are using a re-authenticating user";

/// `user add`'s checks: the user record to store and its IP prefix. A
/// name without '@' given a domain is a bare login, unless it is IP syntax.
std::pair<policy::UserRecord, int> new_user(const NewUser& request);

/// `user add`: stores the user (Error(data) when it exists) and returns
/// the warnings about selectors without a key.
Warnings add_user(db::KeyStore& store, const policy::UserRecord& user, int prefix);

/// The stored name USER refers to in set and delete: as `user add` names
/// it, or, for a name without '@' that is no domain, the bare login.
db::UserName existing_user_name(const std::string& text);

/// An IP user's prefix length, from its stored name (-1 for other users).
int ip_prefix_of(const policy::UserRecord& user);

/// `user set`: the user's selectors (parse_selector_list's result; empty
/// for none) replaced in one transaction; Error(data) for an unknown or
/// re-authenticating user.
policy::UserRecord set_user_selectors(db::KeyStore& store, const db::UserName& name,
                                      const std::vector<std::string>& selectors, Warnings& warnings);

/// One warning per selector that has no key the filter could use for
/// this user (its own domain and below, or any domain for --any-domain).
Warnings missing_key_warnings(db::KeyStore& store, const policy::UserRecord& user);

/// "alice@example.com (login, domain example.com, selectors s1)".
std::string describe_user(const policy::UserRecord& user);

/// "s1,s2" (escaped), "-" for none.
std::string selector_text(const std::vector<std::string>& selectors);

/// "login", "domain" or "ip".
std::string user_kind_name(policy::UserKind kind);

}  // namespace dkim::admin
