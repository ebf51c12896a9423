// SPDX-License-Identifier: MIT
#include "db/admin/publish.h"

#include "db/dns_record.h"
#include "filter/base/error.h"

namespace dkim::admin {
namespace {

// RFC 6376 §3.6.1 p=: "An empty value means that this public key has
// been revoked." True when one of the records is such a record.
bool revocation_published(const std::vector<std::string>& records) {
  for (const auto& r : records) {
    size_t start = 0;
    while (start <= r.size()) {
      size_t semi = r.find(';', start);
      if (semi == std::string::npos) semi = r.size();
      std::string tag = r.substr(start, semi - start);
      start = semi + 1;
      std::string compact;
      for (char c : tag)
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') compact += c;
      if (compact == "p=") return true;
    }
  }
  return false;
}

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += ch;
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

namespace {
// The public key as stored beside the private key (what the filter checks
// every signature against), for a key of schema 2 or later.
crypto::PublicKey stored_public_key(const db::KeyRecord& key) {
  if (key.public_key.empty())
    throw Error(ErrorKind::data, "keystore: key " + key.selector + "._domainkey." + key.domain +
                                     " has no stored public key (run dkim-filter-admin init)");
  return crypto::PublicKey::from_dns_value(key.type, key.public_key);
}
}  // namespace

std::string record_value(const db::KeyRecord& key) {
  if (key.state == db::KeyState::revoked)
    return "v=DKIM1; k=" + std::string(crypto::key_type_name(key.type)) + "; p=";
  return db::dns_record_value(stored_public_key(key));
}

bool delegated(const AdminConfig& config, const db::KeyRecord& key) {
  return !config.delegate_zone.empty() &&
         (key.selector == key.slot + "-a" || key.selector == key.slot + "-b");
}

std::string delegated_name(const AdminConfig& config, std::string_view domain, std::string_view selector) {
  return std::string(selector) + "." + std::string(domain) + "." + config.delegate_zone;
}

std::string record_name(const AdminConfig& config, const db::KeyRecord& key) {
  if (delegated(config, key)) return delegated_name(config, key.domain, key.selector);
  return db::dns_record_name(key.domain, key.selector);
}

void place_first_key(const AdminConfig& config, db::KeyRecord& record) {
  if (config.delegate_zone.empty()) return;
  record.slot = record.selector;
  record.selector = db::normalize_selector(record.slot + "-a");
}

std::vector<std::string> delegation_cnames(const AdminConfig& config, std::string_view domain,
                                           std::string_view slot) {
  std::vector<std::string> lines;
  for (const char* suffix : {"-a", "-b"}) {
    std::string selector = db::normalize_selector(std::string(slot) + suffix);
    lines.push_back(db::dns_record_name(domain, selector) + ". IN CNAME " +
                    delegated_name(config, domain, selector) + ".");
  }
  return lines;
}

Publisher::Publisher(const AdminConfig& config, int timeout_seconds) : config_(config) {
  options_.timeout_seconds = timeout_seconds;
  if (config.dns_update.empty()) return;
  try {
    server_ = dns::parse_server(config.dns_update, "dns-update");
  } catch (const Error& e) {
    throw Error(ErrorKind::config, std::string("config: ") + e.what());
  }
  key_.emplace(dns::read_tsig_key(config.dns_update_key));
}

std::string Publisher::zone_for(const std::string& name) {
  if (!config_.dns_zone.empty()) return config_.dns_zone;
  return dns::find_zone(name, server_, options_);
}

void Publisher::replace(const std::string& name, const std::string& value) {
  dns::TxtChange change;
  change.action = dns::TxtChange::Action::replace;
  change.name = name;
  change.value = value;
  change.ttl = config_.dns_ttl;
  dns::update_txt(*server_, zone_for(name), change, *key_, options_);
}

void Publisher::remove(const std::string& name) {
  dns::TxtChange change;
  change.action = dns::TxtChange::Action::remove;
  change.name = name;
  dns::update_txt(*server_, zone_for(name), change, *key_, options_);
}

std::vector<dns::Server> servers_for(const std::string& name,
                                     const std::vector<std::string>& explicit_servers,
                                     const dns::QueryOptions& options) {
  std::vector<dns::Server> servers;
  for (const auto& s : explicit_servers) servers.push_back(dns::parse_server(s));
  if (!servers.empty()) return servers;
  return dns::authoritative_servers(dns::find_zone(name, std::nullopt, options), options);
}

std::vector<ServedCheck> check_served(const std::string& name, const db::KeyRecord& key,
                                      const std::vector<dns::Server>& servers,
                                      const dns::QueryOptions& options) {
  std::vector<ServedCheck> out;
  std::optional<crypto::PublicKey> expected;
  if (key.state != db::KeyState::revoked) expected = stored_public_key(key);
  for (const auto& server : servers) {
    ServedCheck c;
    auto answer = dns::query_txt(name, server, options);
    std::string what;
    switch (answer.outcome) {
      case dns::TxtAnswer::Outcome::records:
        c.ttl = answer.ttl;
        if (expected) {
          auto check = db::check_records(answer.records, *expected);
          c.ok = check.status == db::RecordStatus::match;
          what = c.ok ? "matches" : check.detail;
        } else {
          c.ok = revocation_published(answer.records);
          what = c.ok ? "publishes the revocation (empty p=)" : "does not publish the revocation (empty p=)";
        }
        break;
      case dns::TxtAnswer::Outcome::nxdomain:
      case dns::TxtAnswer::Outcome::nodata:
        what = "no record";
        break;
      case dns::TxtAnswer::Outcome::error:
        what = answer.error;
        break;
    }
    c.text = server.text() + ": " + printable(what);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace dkim::admin
