// SPDX-License-Identifier: MIT
#include "db/admin/rules.h"

#include <algorithm>
#include <ctime>

#include "db/admin/cli.h"
#include "db/admin/percent_decode.h"
#include "filter/base/error.h"
#include "filter/mail/ip_address.h"

namespace dkim::admin {
std::pair<crypto::KeyType, int> check_generate(const std::string& algorithm, std::optional<int> bits,
                                               Warnings& warnings) {
  if (algorithm == "rsa") {
    int n = bits.value_or(2048);
    if (n != 1024 && n != 2048 && n != 3072 && n != 4096)
      throw Error(ErrorKind::usage, "key generate: --bits must be 1024, 2048, 3072 or 4096");
    if (n == 1024) warnings.push_back("1024-bit RSA is the minimum (RFC 8301); 2048 is recommended");
    return {crypto::KeyType::rsa, n};
  }
  if (algorithm == "ed25519") {
    if (bits) throw Error(ErrorKind::usage, "key generate: --bits applies to RSA keys only");
    warnings.push_back("not every verifier supports ed25519 (RFC 8463); also sign with an RSA key");
    return {crypto::KeyType::ed25519, 2048};
  }
  throw Error(ErrorKind::usage, "key generate: --algorithm must be rsa or ed25519");
}

db::KeyRecord new_key_record(const std::string& domain, const std::string& selector,
                             const std::string& canon) {
  db::KeyRecord record;
  record.domain = db::normalize_domain(domain);
  record.selector = db::normalize_selector(selector);
  record.canon = normalize_canon(canon);
  return record;
}

void refuse_existing_key(db::KeyStore& store, const db::KeyRecord& record) {
  // has_selector: a domain never reuses a selector, not even a deleted
  // key's (a receiver may still hold the old record).
  if (store.has_selector(record.domain, record.selector))
    throw Error(ErrorKind::data, "keystore: domain " + record.domain + " already has a key for selector " +
                                     record.selector +
                                     " (delete it first, or use a new selector to rotate keys)");
}

db::KeyRecord store_key(db::KeyStore& store, db::KeyRecord record, const crypto::PrivateKey& key) {
  record.type = key.type();
  record.bits = key.bits();
  record.private_pem = key.to_pem();
  record.public_key = key.public_key().dns_value();
  if (!record.created) record.created = static_cast<long long>(std::time(nullptr));
  try {
    store.transaction([&] { store.add_key(record); });
  } catch (...) {
    crypto::cleanse(record.private_pem);
    throw;
  }
  crypto::cleanse(record.private_pem);
  record.private_pem.clear();
  return record;
}

crypto::PrivateKey parse_import(std::string& pem, bool urlencoded, Warnings& warnings) {
  if (urlencoded) {
    std::string decoded;
    try {
      decoded = percent_decode(pem);
    } catch (...) {
      crypto::cleanse(pem);
      throw;
    }
    crypto::cleanse(pem);
    pem = std::move(decoded);
  }
  std::optional<crypto::PrivateKey> key;
  try {
    key.emplace(crypto::PrivateKey::from_pem(pem, /*thorough=*/true));
  } catch (const Error& e) {
    crypto::cleanse(pem);
    throw Error(ErrorKind::data, std::string("key import: ") + e.what());
  }
  crypto::cleanse(pem);
  if (key->type() == crypto::KeyType::rsa && key->bits() < 2048)
    warnings.push_back(std::to_string(key->bits()) + "-bit RSA is weak; 2048 is recommended");
  return std::move(*key);
}

std::vector<std::string> key_users(db::KeyStore& store, const std::string& domain,
                                   const std::string& selector) {
  std::vector<std::string> users;
  for (const auto& u : store.list_users())
    if (policy::may_sign_with(u, domain, selector)) users.push_back(db::escape_text(u.name));
  return users;
}

std::pair<policy::UserRecord, int> new_user(const NewUser& request) {
  const std::string& text = request.name;
  bool bare = request.domain && text.find('@') == std::string::npos && !db::parse_ip_range(text);
  db::UserName name = bare ? db::parse_bare_login(text, *request.domain) : db::parse_user_name(text);
  policy::UserRecord user;
  user.name = name.name;
  user.kind = name.kind;
  user.domain = name.domain;
  user.any_domain = request.any_domain;
  user.reauthenticating = request.reauthenticating;
  if (request.selectors) user.selectors = db::parse_selector_list(*request.selectors);
  if (request.domain && !bare) {
    if (name.kind != policy::UserKind::ip)
      throw Error(ErrorKind::usage, "user add: --domain is for bare logins and IP users; " + name.name +
                                        " signs for " + name.domain);
    user.domain = db::normalize_domain(*request.domain);
  }
  if (user.reauthenticating && !user.selectors.empty())
    throw Error(ErrorKind::data, std::string("user add: ") + kReauthRefusal);
  if (name.kind == policy::UserKind::ip && user.domain.empty() && !user.any_domain && !user.reauthenticating)
    throw Error(ErrorKind::usage, "user add: an IP user needs --domain DOMAIN (or --any-domain)");
  return {user, name.prefix};
}

db::UserName existing_user_name(const std::string& text) {
  if (auto name = policy::parse_user_name(text)) return *name;
  if (auto bare = policy::login_lookup_name(text)) {
    db::UserName name;
    name.name = *bare;
    return name;
  }
  return db::parse_user_name(text);  // throws, naming the problem
}

int ip_prefix_of(const policy::UserRecord& user) {
  if (user.kind != policy::UserKind::ip) return -1;
  auto range = mail::parse_ip_range(user.name);
  return range ? range->prefix : -1;
}

Warnings add_user(db::KeyStore& store, const policy::UserRecord& user, int prefix) {
  store.transaction([&] { store.put_user(user, prefix, false); });
  return missing_key_warnings(store, user);
}

policy::UserRecord set_user_selectors(db::KeyStore& store, const db::UserName& name,
                                      const std::vector<std::string>& list, Warnings& warnings) {
  policy::UserRecord user;
  store.transaction([&] {
    auto found = store.find_user(name.name);
    if (!found) throw Error(ErrorKind::data, "user set: no user " + name.name);
    user = *found;
    if (user.reauthenticating && !list.empty())
      throw Error(ErrorKind::data, std::string("user set: ") + kReauthRefusal);
    user.selectors = list;
    store.put_user(user, ip_prefix_of(user), true);
  });
  warnings = missing_key_warnings(store, user);
  return user;
}

Warnings missing_key_warnings(db::KeyStore& store, const policy::UserRecord& user) {
  // The filter's own search path, which never climbs above the user's
  // domain (dkim-filter(8) rule 5); any domain's key for --any-domain.
  const std::vector<std::string> domains = policy::key_domains(user, user.domain);
  Warnings warnings;
  for (const auto& sel : user.selectors) {
    bool found = false;
    if (user.any_domain) {
      for (const auto& k : store.list_keys())
        found = found || (k.slot == sel && k.state == db::KeyState::active);
    } else {
      for (const auto& d : domains) found = found || store.has_key(d, sel);
    }
    if (!found)
      warnings.push_back(user.any_domain
                             ? "no domain has a key for selector " + sel + " yet"
                             : "domain " + user.domain + " has no key for selector " + sel +
                                   " yet (dkim-filter-admin key generate " + user.domain + " " + sel + ")");
  }
  return warnings;
}

std::string user_kind_name(policy::UserKind kind) {
  return kind == policy::UserKind::ip ? "ip" : kind == policy::UserKind::domain ? "domain" : "login";
}

namespace {

// "login", "bare login", "mailbox wildcard", "domain" or "ip".
std::string kind_words(const policy::UserRecord& u) {
  switch (u.kind) {
    case policy::UserKind::ip:
      return "ip";
    case policy::UserKind::domain:
      return "domain";
    case policy::UserKind::login:
      break;
  }
  if (policy::is_mailbox_wildcard(u.name)) return "mailbox wildcard";
  return u.name.find('@') == std::string::npos ? "bare login" : "login";
}

}  // namespace

std::string selector_text(const std::vector<std::string>& selectors) {
  std::string sels;
  for (const auto& s : selectors) sels += (sels.empty() ? "" : ",") + db::escape_text(s);
  return sels.empty() ? "-" : sels;
}

std::string describe_user(const policy::UserRecord& u) {
  // Escaped: one line per user whatever a row holds (rows written by other
  // tools than this one are not validated).
  return db::escape_text(u.name) + " (" + kind_words(u) + ", domain " +
         (u.domain.empty() ? "-" : db::escape_text(u.domain)) + ", selectors " + selector_text(u.selectors) +
         (u.any_domain ? ", any domain" : "") + (u.reauthenticating ? ", re-authenticating" : "") + ")";
}

}  // namespace dkim::admin
