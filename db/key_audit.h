// SPDX-License-Identifier: MIT
// Checks of the stored keys and users that `dkim-filter-admin doctor` and
// `restore` share: every key loads the way the filter loads it and matches
// its stored public key, and every selector a user signs with has a key
// the filter would find for that user's domain (dkim-filter(8) rules 5, 7).
#pragma once
#include <string>
#include <vector>

#include "db/keystore.h"

namespace dkim::db {

/// One thing that would make the filter defer mail or send it unsigned,
/// and the command that fixes it.
struct Problem {
  std::string what;
  std::string fix;
};

/// Every key: its private key loads (PEM, RSA exponent and CRT checks, at
/// least 1024 bits: crypto::PrivateKey::from_pem) and is the pair of the
/// stored public key, which verifiers fetch from DNS (RFC 6376 §3.6.1).
std::vector<Problem> audit_keys(KeyStore& store);

/// Every user that signs (not re-authenticating, with selectors): each
/// selector is valid RFC 6376 §3.1 syntax and has a key in the user's own
/// domain or a parent up to it (policy::key_domains); for --any-domain
/// users, a key of that selector in some domain.
std::vector<Problem> audit_users(KeyStore& store);

}  // namespace dkim::db
