// SPDX-License-Identifier: MIT
// The key lifecycle's steps (dkim-filter-admin(8) "KEY LIFECYCLE"): rotate
// (a pending successor in a slot), activate (the switch, once DNS serves
// the record), revoke (an empty p=, RFC 6376 §3.6.1), delete, publish, and
// the timer's idempotent run over every key. Each step is one database
// transaction that includes its DNS update, so a refused update leaves the
// database as it was.
#pragma once
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "db/admin/config.h"
#include "db/admin/publish.h"
#include "db/admin/rules.h"
#include "db/keystore.h"

namespace dkim::admin {

struct Lifecycle {
  db::KeyStore& store;
  const AdminConfig& config;
  Publisher& publisher;
  dns::QueryOptions dns;
  std::vector<std::string> nameservers;  ///< --nameserver: replaces the zone's NS servers
  long long now = 0;
  std::ostream& out;
  /// Steps said inside a transaction wait here until it commits.
  std::vector<std::string> held;
  bool holding = false;
};

/// How the lifecycle's steps ask DNS: the admin's --nameserver and
/// --timeout, dkim-filter-web's nameserver option.
struct DnsSettings {
  std::vector<std::string> nameservers;  ///< empty: every authoritative server of the zone
  int timeout = 5;                       ///< seconds per DNS answer, 1 to 60
};

/// Runs `body` with a Lifecycle on `store`, its steps said on `out`, the
/// time `now` (unix seconds). Error(usage) for a timeout outside 1 to 60
/// or a nameserver that does not parse, before any work. The one place
/// dkim-filter-admin's and dkim-filter-web's lifecycle steps start from.
int with_lifecycle(db::KeyStore& store, const AdminConfig& config, const DnsSettings& dns, long long now,
                   std::ostream& out, const std::function<int(Lifecycle&)>& body);

/// Says one step on stdout and to syslog (facility mail); inside
/// in_transaction(), only once the transaction has committed.
void note(Lifecycle& lc, const std::string& line);

/// store.transaction(), saying its steps only if it commits.
void in_transaction(Lifecycle& lc, const std::function<void()>& body);

struct RotateRequest {
  std::string domain, slot;
  std::string to;           ///< the new selector; empty: SLOT-YYYYMMDD
  std::string algorithm;    ///< empty: the slot's current key's
  std::optional<int> bits;  ///< RSA only; empty: the current key's, or 2048
  std::string canon;        ///< empty: the current key's
};

/// A new pending key for the slot, published when dns-update is set.
/// Refuses a slot without keys, a slot that already has a pending key, and
/// a selector the domain uses or used.
db::KeyRecord rotate(Lifecycle& lc, const RotateRequest& request);

/// Whether every server serves what the key's state needs, with the
/// largest TTL seen and, when not, which servers do not.
struct Served {
  bool everywhere = false;
  uint32_t ttl = 0;
  std::vector<std::string> lines;  ///< one per server
};
Served served(Lifecycle& lc, const db::KeyRecord& key);

/// The switch: `key` (pending, or retired to roll back) becomes its slot's
/// active key and the previous one retired, in one transaction. Unless
/// `force`, refused (Error(data)) unless every server serves its record.
/// Returns the key as it is now.
db::KeyRecord activate(Lifecycle& lc, db::KeyRecord key, bool force);

/// Revokes a key (retired or pending; an active one only with `force`) and
/// publishes the empty-p= record when dns-update is set. Returns the key
/// as it is now.
db::KeyRecord revoke(Lifecycle& lc, db::KeyRecord key, bool force);

/// `key activate DOMAIN SELECTOR` and `key revoke DOMAIN SELECTOR`, as the
/// admin and POST /api/v1/keys/{domain}/{selector}/activate|revoke take
/// them: require_key() and the step; the key returned without its private key.
db::KeyRecord activate_key(Lifecycle& lc, const std::string& domain, const std::string& selector, bool force);
db::KeyRecord revoke_key(Lifecycle& lc, const std::string& domain, const std::string& selector, bool force);

/// Deletes a key and, when dns-update is set, its record. Refuses without
/// `force` an active or retired key, and a pending key that was active;
/// the refusal names `users` (those who sign with it).
void remove(Lifecycle& lc, const db::KeyRecord& key, bool force, const std::vector<std::string>& users = {});

/// `key delete` (dkim-filter-admin and DELETE /api/v1/keys/...): remove()
/// of the key, the refusal naming the users who sign with it when it is
/// active; Error(data) "keystore: no key ..." when there is none. Returns
/// one warning per such user (with `force`).
Warnings delete_key(Lifecycle& lc, const std::string& domain, const std::string& selector, bool force);

/// Sends the record the key's state publishes (dns-update must be set).
void publish(Lifecycle& lc, db::KeyRecord key);

/// `lifecycle run`: every due step for every key; returns the number of
/// steps that failed (each printed).
int run(Lifecycle& lc);

/// The key with its private key, or Error(data) "keystore: no key ...".
/// The caller cleanses private_pem.
db::KeyRecord require_key(db::KeyStore& store, const std::string& domain, const std::string& selector);

/// "2027-01-31" or "2027-01-31T12:00:00Z" or unix seconds. Error(usage).
long long parse_time(const std::string& text);

}  // namespace dkim::admin
