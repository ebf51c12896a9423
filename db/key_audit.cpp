// SPDX-License-Identifier: MIT
#include "db/key_audit.h"

#include <optional>
#include <set>

#include "db/names.h"
#include "filter/base/error.h"
#include "filter/dkim/selector.h"
#include "filter/policy/decide.h"

namespace dkim::db {
namespace {

std::string key_name(const KeyRecord& k) {
  return "key " + escape_text(k.selector) + " of " + escape_text(k.domain);
}

// The check the filter makes before it signs with a key (keystore +
// signer): the private key loads and its public half is the stored one.
std::optional<Problem> audit_key(KeyStore& store, const KeyRecord& listed) {
  auto key = store.find_key(listed.domain, listed.selector);
  if (!key) return std::nullopt;  // deleted meanwhile
  std::string fix = "replace it: dkim-filter-admin key delete " + escape_text(listed.domain) + " " +
                    escape_text(listed.selector) + ", then key generate or key import (or restore a backup)";
  std::optional<Problem> problem;
  try {
    auto pk = crypto::PrivateKey::from_pem(key->private_pem);
    if (key->public_key.empty()) {
      problem = Problem{key_name(listed) + " has no stored public key, the filter refuses it",
                        "run dkim-filter-admin init to fill it in"};
    } else if (!pk.matches(crypto::PublicKey::from_dns_value(key->type, key->public_key))) {
      problem = Problem{key_name(listed) +
                            ": the private key does not match the stored public key "
                            "(damaged), the filter refuses it",
                        fix};
    } else if (pk.type() != key->type) {
      problem = Problem{key_name(listed) + ": stored as " + std::string(crypto::key_type_name(key->type)) +
                            " but the private key is " + std::string(crypto::key_type_name(pk.type())),
                        fix};
    }
  } catch (const Error& e) {
    problem = Problem{key_name(listed) + " does not load, the filter refuses it: " + e.what(), fix};
  }
  crypto::cleanse(key->private_pem);
  return problem;
}

}  // namespace

std::vector<Problem> audit_keys(KeyStore& store) {
  std::vector<Problem> problems;
  for (const auto& listed : store.list_keys())
    if (auto p = audit_key(store, listed)) problems.push_back(*p);
  return problems;
}

std::vector<Problem> audit_users(KeyStore& store) {
  std::vector<Problem> problems;
  auto keys = store.list_keys();
  std::set<std::string> selectors_with_keys;
  for (const auto& k : keys) selectors_with_keys.insert(k.selector);
  for (const auto& user : store.list_users()) {
    if (user.reauthenticating) continue;  // never signs, whatever it holds
    const std::string who = "user " + escape_text(user.name);
    for (const auto& sel : user.selectors) {
      if (std::string bad = selector_problem(sel); !bad.empty()) {
        problems.push_back({who + ": stored selector \"" + escape_text(sel) + "\" is not a valid selector (" +
                                bad + "), the filter skips it",
                            "dkim-filter-admin user set " + escape_text(user.name) + " --selector SELECTOR"});
        continue;
      }
      if (user.any_domain) {
        if (!selectors_with_keys.count(sel))
          problems.push_back({who + " (any domain): no domain has a key for selector " + sel +
                                  ", its mail goes out unsigned",
                              "dkim-filter-admin key generate DOMAIN " + sel});
        continue;
      }
      if (user.domain.empty()) continue;  // an IP user without --domain signs nothing
      bool found = false;
      for (const auto& d : policy::key_domains(user, user.domain)) found = found || store.has_key(d, sel);
      if (!found)
        problems.push_back({who + ": domain " + escape_text(user.domain) + " has no key for selector " + sel +
                                ", its mail goes out unsigned",
                            "dkim-filter-admin key generate " + escape_text(user.domain) + " " + sel});
    }
  }
  return problems;
}

}  // namespace dkim::db
