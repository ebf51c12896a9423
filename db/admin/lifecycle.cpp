// SPDX-License-Identifier: MIT
#include "db/admin/lifecycle.h"

#include <syslog.h>

#include <ctime>
#include <map>

#include "db/names.h"
#include "filter/base/error.h"

namespace dkim::admin {
namespace {

[[noreturn]] void refuse(const std::string& what) { throw Error(ErrorKind::data, what); }

std::string key_text(const db::KeyRecord& k) { return k.selector + "._domainkey." + k.domain; }

std::string date_suffix(long long now) {
  std::time_t t = static_cast<std::time_t>(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y%m%d", &tm);
  return buf;
}

bool selector_taken(db::KeyStore& store, const std::string& domain, const std::string& selector) {
  return store.has_selector(domain, selector) || store.selector_was_used(domain, selector);
}

// RFC 6376 §3.1: a selector is a dot-separated sequence of labels; the
// default is the slot, a dash and the date, with -2, -3... when a second
// rotation happens on the same day.
std::string fresh_selector(db::KeyStore& store, const std::string& domain, const std::string& slot,
                           long long now) {
  std::string base = slot + "-" + date_suffix(now);
  for (int n = 1; n < 100; ++n) {
    std::string candidate = n == 1 ? base : base + "-" + std::to_string(n);
    if (!selector_taken(store, domain, candidate)) return db::normalize_selector(candidate);
  }
  refuse("key rotate: no free selector for slot " + slot + " today (use --to)");
}

// Delegation mode: the slot alternates between SLOT-a and SLOT-b, whose
// CNAMEs the customer published once; the one not in use must be free (its
// previous key deleted, after its revocation).
std::string delegated_selector(Lifecycle& lc, const RotateRequest& r,
                               const std::optional<db::KeyRecord>& current) {
  if (!r.to.empty()) refuse("key rotate: --to does not apply in delegation mode (delegate-zone)");
  std::string a = db::normalize_selector(r.slot + "-a"), b = db::normalize_selector(r.slot + "-b");
  std::string next = current && current->selector == a ? b : a;
  if (lc.store.has_selector(r.domain, next))
    refuse("key rotate: selector " + next + " of " + r.domain +
           " is still held by a key (delete it once it is "
           "revoked, then rotate)");
  return next;
}

crypto::PrivateKey new_key(const RotateRequest& r, const std::optional<db::KeyRecord>& current) {
  std::string algorithm = !r.algorithm.empty() ? r.algorithm
                          : current            ? std::string(crypto::key_type_name(current->type))
                                               : "rsa";
  if (algorithm == "ed25519") {
    if (r.bits) throw Error(ErrorKind::usage, "key rotate: --bits applies to RSA keys only");
    return crypto::PrivateKey::generate(crypto::KeyType::ed25519, 0);
  }
  if (algorithm != "rsa") throw Error(ErrorKind::usage, "key rotate: --algorithm must be rsa or ed25519");
  int bits = r.bits ? *r.bits : current && current->type == crypto::KeyType::rsa ? current->bits : 2048;
  if (bits != 1024 && bits != 2048 && bits != 3072 && bits != 4096)
    throw Error(ErrorKind::usage, "key rotate: --bits must be 1024, 2048, 3072 or 4096");
  return crypto::PrivateKey::generate(crypto::KeyType::rsa, bits);
}

std::vector<db::KeyRecord> slot_keys(db::KeyStore& store, const std::string& domain,
                                     const std::string& slot) {
  std::vector<db::KeyRecord> out;
  for (auto& k : store.list_keys(domain))
    if (k.slot == slot) out.push_back(std::move(k));
  return out;
}

// Publishes (when configured) inside the caller's transaction, and records
// when; otherwise says what to publish by hand.
void publish_in_transaction(Lifecycle& lc, db::KeyRecord& key) {
  std::string name = record_name(lc.config, key), value = record_value(key);
  if (!lc.publisher.enabled()) {
    note(lc, "publish: " + name + " TXT \"" + value + "\" (dns-update is not set: publish it by hand)");
    return;
  }
  lc.publisher.replace(name, value);
  key.published = lc.now;
  lc.store.update_lifecycle(key);
  note(lc, "published " + name + " by RFC 2136 update to " + lc.publisher.server_text());
}

// The named key without its private key: the by-name steps need only its
// public half and its state.
db::KeyRecord public_part(db::KeyStore& store, const std::string& domain, const std::string& selector) {
  auto key = require_key(store, domain, selector);
  crypto::cleanse(key.private_pem);
  key.private_pem.clear();
  return key;
}
}  // namespace

// Each step goes to stdout and to syslog (facility mail), so the timer's
// runs leave a trace in the mail log.
void note(Lifecycle& lc, const std::string& line) {
  if (lc.holding) {
    lc.held.push_back(line);
    return;
  }
  lc.out << line << "\n";
  ::syslog(LOG_MAIL | LOG_INFO, "%s", printable(line).c_str());
}

void in_transaction(Lifecycle& lc, const std::function<void()>& body) {
  lc.holding = true;
  lc.held.clear();
  try {
    lc.store.transaction(body);
  } catch (...) {
    lc.holding = false;
    lc.held.clear();
    throw;
  }
  lc.holding = false;
  std::vector<std::string> lines;
  lines.swap(lc.held);
  for (const auto& line : lines) note(lc, line);
}

int with_lifecycle(db::KeyStore& store, const AdminConfig& config, const DnsSettings& dns, long long now,
                   std::ostream& out, const std::function<int(Lifecycle&)>& body) {
  if (dns.timeout < 1 || dns.timeout > 60) throw Error(ErrorKind::usage, "--timeout must be 1 to 60 seconds");
  for (const auto& ns : dns.nameservers) dns::parse_server(ns);  // refuse a bad one before any work
  Publisher publisher(config, dns.timeout);
  Lifecycle lc{store, config, publisher, dns::QueryOptions{dns.timeout}, dns.nameservers, now,
               out,   {},     false};
  return body(lc);
}

db::KeyRecord require_key(db::KeyStore& store, const std::string& domain, const std::string& selector) {
  auto key = store.find_key(domain, selector);
  if (!key) refuse("keystore: no key for selector " + selector + " of domain " + domain);
  return std::move(*key);  // a copy would leave the PEM in the optional, uncleansed
}

Warnings delete_key(Lifecycle& lc, const std::string& domain, const std::string& selector, bool force) {
  auto key = public_part(lc.store, domain, selector);
  // Who signs with it: an active key's slot, as the filter decides.
  std::vector<std::string> users;
  if (key.state == db::KeyState::active) users = key_users(lc.store, domain, key.slot);
  remove(lc, key, force, users);
  Warnings warnings;
  for (const auto& u : users)
    warnings.push_back("user " + u + " still lists selector " + key.slot + ", which has no active key now");
  return warnings;
}

long long parse_time(const std::string& text) {
  if (!text.empty() && text.size() <= 12 && text.find_first_not_of("0123456789") == std::string::npos)
    return std::stoll(text);
  std::tm tm{};
  const char* end = nullptr;
  for (const char* format : {"%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d"}) {
    tm = {};
    end = ::strptime(text.c_str(), format, &tm);
    if (end && *end == '\0') return static_cast<long long>(::timegm(&tm));
  }
  throw Error(ErrorKind::usage, "--now must be unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, not '" +
                                    text.substr(0, 40) + "'");
}

db::KeyRecord rotate(Lifecycle& lc, const RotateRequest& r) {
  auto keys = slot_keys(lc.store, r.domain, r.slot);
  if (keys.empty())
    refuse("key rotate: domain " + r.domain + " has no key in slot " + r.slot + " (key generate " + r.domain +
           " " + r.slot + " makes its first)");
  std::optional<db::KeyRecord> current;
  for (const auto& k : keys) {
    if (k.state == db::KeyState::pending)
      refuse("key rotate: slot " + r.slot + " of " + r.domain + " already has a pending key " + k.selector +
             " (activate or delete it first)");
    if (k.state == db::KeyState::active) current = k;
  }
  std::string selector;
  if (!lc.config.delegate_zone.empty()) {
    selector = delegated_selector(lc, r, current);
  } else {
    selector = r.to.empty() ? fresh_selector(lc.store, r.domain, r.slot, lc.now) : r.to;
    if (selector_taken(lc.store, r.domain, selector))
      refuse("key rotate: domain " + r.domain + " uses or used selector " + selector +
             " already; a new key needs a new selector");
  }
  crypto::PrivateKey pk = new_key(r, current);
  db::KeyRecord key;
  key.domain = r.domain;
  key.selector = selector;
  key.slot = r.slot;
  key.state = db::KeyState::pending;
  key.type = pk.type();
  key.bits = pk.bits();
  key.canon = !r.canon.empty() ? r.canon : current ? current->canon : "relaxed/relaxed";
  key.created = lc.now;
  key.private_pem = pk.to_pem();
  key.public_key = pk.public_key().dns_value();  // as published; the filter verifies against it
  in_transaction(lc, [&] {
    lc.store.add_key(key);
    note(lc, "rotate: pending key " + key_text(key) + " for slot " + r.slot + " of " + r.domain);
    publish_in_transaction(lc, key);
  });
  return key;
}

Served served(Lifecycle& lc, const db::KeyRecord& key) {
  std::string name = record_name(lc.config, key);
  Served s;
  auto checks = check_served(name, key, servers_for(name, lc.nameservers, lc.dns), lc.dns);
  s.everywhere = !checks.empty();
  for (const auto& c : checks) {
    s.everywhere = s.everywhere && c.ok;
    s.ttl = std::max(s.ttl, c.ttl);
    s.lines.push_back(c.text);
  }
  return s;
}

db::KeyRecord activate(Lifecycle& lc, db::KeyRecord key, bool force) {
  if (key.state == db::KeyState::active) refuse("key activate: " + key_text(key) + " is already active");
  if (key.state == db::KeyState::revoked)
    refuse("key activate: " + key_text(key) + " is revoked; rotate to a new key instead");
  if (!force) {
    Served s = served(lc, key);
    if (!s.everywhere) {
      std::string why;
      for (const auto& line : s.lines) why += (why.empty() ? "" : "; ") + line;
      refuse("key activate: " + record_name(lc.config, key) + " is not served by every server (" + why +
             "); publish it and wait, or use --force");
    }
  }
  in_transaction(lc, [&] {
    if (auto old = lc.store.find_signing_key(key.domain, key.slot)) {
      old->state = db::KeyState::retired;
      old->retired = lc.now;
      lc.store.update_lifecycle(*old);
      note(lc, "retired " + key_text(*old) + " (slot " + key.slot + ")");
    }
    key.state = db::KeyState::active;
    key.activated = lc.now;
    key.retired = 0;
    lc.store.update_lifecycle(key);
    note(lc, "activated " + key_text(key) + ": slot " + key.slot + " of " + key.domain + " signs with it");
  });
  return key;
}

db::KeyRecord revoke(Lifecycle& lc, db::KeyRecord key, bool force) {
  if (key.state == db::KeyState::revoked) refuse("key revoke: " + key_text(key) + " is already revoked");
  if (key.state == db::KeyState::active && !force)
    refuse("key revoke: " + key_text(key) + " is the active key of slot " + key.slot +
           "; rotate first, or use --force (its users' mail then goes out unsigned)");
  in_transaction(lc, [&] {
    key.state = db::KeyState::revoked;
    key.revoked = lc.now;
    lc.store.update_lifecycle(key);
    note(lc, "revoked " + key_text(key));
    publish_in_transaction(lc, key);
  });
  return key;
}

db::KeyRecord activate_key(Lifecycle& lc, const std::string& domain, const std::string& selector,
                           bool force) {
  return activate(lc, public_part(lc.store, domain, selector), force);
}

db::KeyRecord revoke_key(Lifecycle& lc, const std::string& domain, const std::string& selector, bool force) {
  return revoke(lc, public_part(lc.store, domain, selector), force);
}

void remove(Lifecycle& lc, const db::KeyRecord& key, bool force, const std::vector<std::string>& users) {
  bool free =
      key.state == db::KeyState::revoked || (key.state == db::KeyState::pending && key.activated == 0);
  if (!free && !force) {
    std::string names;
    for (const auto& u : users) names += (names.empty() ? "" : ", ") + u;
    refuse("key delete: " + key_text(key) + " is " + std::string(db::key_state_name(key.state)) +
           (names.empty() ? "" : " and in use by " + names + " (their mail would go out unsigned)") +
           "; rotate or revoke it first (key rotate, key revoke), or use --force");
  }
  in_transaction(lc, [&] {
    lc.store.delete_key(key.domain, key.selector);
    note(lc, "deleted " + key_text(key));
    if (lc.publisher.enabled()) {
      lc.publisher.remove(record_name(lc.config, key));
      note(lc,
           "removed " + record_name(lc.config, key) + " by RFC 2136 update to " + lc.publisher.server_text());
    }
  });
}

void publish(Lifecycle& lc, db::KeyRecord key) {
  if (!lc.publisher.enabled())
    throw Error(ErrorKind::config,
                "key publish: dns-update and dns-update-key are not set in the configuration file");
  in_transaction(lc, [&] { publish_in_transaction(lc, key); });
}

}  // namespace dkim::admin
