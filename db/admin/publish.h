// SPDX-License-Identifier: MIT
// Publishing a key's TXT record by RFC 2136 dynamic update (dns-update,
// dns-update-key, dns-zone in the configuration file), and checking what
// the authoritative servers serve. Both go through db/dns/client.h.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "db/admin/config.h"
#include "db/dns/client.h"
#include "db/keystore.h"

namespace dkim::admin {

namespace dns = db::dns;

/// The TXT value a key in its state publishes: the key record (RFC 6376
/// §3.6.1), or for a revoked key the same with an empty p= ("this public
/// key has been revoked").
std::string record_value(const db::KeyRecord& key);

/// DNS-supplied text made safe for a terminal and a log: every byte
/// outside printable ASCII, and the backslash, as \xHH.
std::string printable(std::string_view text);

/// Delegation mode (delegate-zone set): a slot's keys alternate between
/// the selectors SLOT-a and SLOT-b, whose TXT records live in the
/// provider's zone as SELECTOR.DOMAIN.ZONE; the customer publishes, once,
/// SELECTOR._domainkey.DOMAIN CNAME to them (RFC 6376 §3.6.2.1 lookups
/// follow CNAMEs). True when `key` is such a key.
bool delegated(const AdminConfig& config, const db::KeyRecord& key);
std::string delegated_name(const AdminConfig& config, std::string_view domain, std::string_view selector);

/// Where the key's TXT record lives: SELECTOR._domainkey.DOMAIN, or, for a
/// delegated key, SELECTOR.DOMAIN.ZONE.
std::string record_name(const AdminConfig& config, const db::KeyRecord& key);

/// `key generate`/`key import` (and the API's) in delegation mode: the
/// SELECTOR given names the slot, and its first key takes SLOT-a, so that
/// even the first record lives in the provider's zone and the customer
/// only ever publishes the two CNAMEs. Outside delegation mode: unchanged.
void place_first_key(const AdminConfig& config, db::KeyRecord& record);

/// The two lines "SLOT-a._domainkey.DOMAIN. IN CNAME SLOT-a.DOMAIN.ZONE."
/// (and -b) the customer publishes once (`key dns --cname`).
std::vector<std::string> delegation_cnames(const AdminConfig& config, std::string_view domain,
                                           std::string_view slot);

class Publisher {
 public:
  Publisher(const AdminConfig& config, int timeout_seconds);
  /// Whether dns-update is configured; without it records are printed for
  /// the administrator to publish.
  bool enabled() const { return server_.has_value(); }
  /// "127.0.0.1:53" for messages.
  std::string server_text() const { return server_ ? server_->text() : ""; }
  /// Replaces the TXT RRset at `name` with `value`. Throws Error.
  void replace(const std::string& name, const std::string& value);
  /// Deletes the TXT RRset at `name`. Throws Error.
  void remove(const std::string& name);

 private:
  std::string zone_for(const std::string& name);
  const AdminConfig& config_;
  dns::QueryOptions options_;
  std::optional<dns::Server> server_;
  std::optional<dns::TsigKey> key_;
};

/// What one server serves at a key's name, compared with the key's state.
struct ServedCheck {
  bool ok = false;   ///< the server serves what the state requires
  uint32_t ttl = 0;  ///< the record's TTL when served
  std::string text;  ///< "127.0.0.1:53: matches" for the administrator
};

/// The servers to ask about `name`: `explicit_servers` (--nameserver)
/// when given, else every authoritative server of its zone.
std::vector<dns::Server> servers_for(const std::string& name,
                                     const std::vector<std::string>& explicit_servers,
                                     const dns::QueryOptions& options);

/// Asks each server for the record of `key` (its stored public key): for a
/// pending, active or retired key it must match the key, for a revoked
/// one it must have an empty p=.
std::vector<ServedCheck> check_served(const std::string& name, const db::KeyRecord& key,
                                      const std::vector<dns::Server>& servers,
                                      const dns::QueryOptions& options);

}  // namespace dkim::admin
