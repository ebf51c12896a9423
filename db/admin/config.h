// SPDX-License-Identifier: MIT
// dkim-filter-admin's part of the configuration file every binary shares
// (/etc/dkim-filter/dkim-filter.conf, or --config FILE): the database path
// and the key lifecycle's publishing and timing options
// (dkim-filter-admin(8) "CONFIGURATION"). The filter's own options are
// accepted and ignored; an unknown option is an error.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace dkim::admin {

constexpr const char* kDefaultConfigFile = "/etc/dkim-filter/dkim-filter.conf";

struct AdminConfig {
  std::string file;            ///< the file read; empty when there was none
  std::string db;              ///< db = PATH; empty when not set
  std::string dns_update;      ///< SERVER[:PORT] taking RFC 2136 updates; empty: print records instead
  std::string dns_update_key;  ///< TSIG key file (BIND key statement)
  std::string dns_zone;        ///< the zone to update; empty: found from the SOA
  uint32_t dns_ttl = 3600;     ///< TTL of published records
  long long retire_after = 7 * 86400;   ///< retired this long -> revoked
  long long delete_after = 30 * 86400;  ///< revoked this long -> deleted
  long long rotate_every = 0;           ///< active this long -> next rotation starts; 0: never
  /// rotate-every's DOMAIN=DURATION entries (0: that domain never), which
  /// win over the plain duration for that domain.
  std::map<std::string, long long> rotate_every_domain;
  std::string delegate_zone;       ///< delegation mode: records live under this zone
  std::string cluster;             ///< cluster = URL (dkim-filter-admin(8) "CLUSTER"); empty: single node
  std::string cluster_key;         ///< cluster-key = FILE
  long long max_staleness = 3600;  ///< max-staleness = SECONDS, as the filter reads it (doctor)
  std::string milter_socket;       ///< socket = SPEC (dkim-filter-milter's; doctor checks Postfix names it)

  /// How long a key of `domain` stays active before lifecycle run starts
  /// its slot's next rotation; 0: never.
  long long rotation_period(const std::string& domain) const;
};

/// Reads `path` (must_exist: named by --config). A missing default file
/// gives the defaults. Throws Error(config) "config: FILE: ..." for an
/// unreadable or untrusted file (not owned by root or this user, or
/// writable by group or others), an unknown option or a bad value.
AdminConfig read_admin_config(const std::string& path, bool must_exist);

/// "90" (days), or a number followed by s, m, h, d or w. Throws
/// Error(config) naming `what`.
long long parse_duration(std::string_view text, std::string_view what);

/// rotate-every's value: entries separated by commas or spaces, each a
/// DURATION (every domain) or DOMAIN=DURATION (that domain; "off" or 0 for
/// never), e.g. "180d, example.com=90d, example.org=off". Sets
/// `rotate_every` and `rotate_every_domain`; Error(config) naming the entry.
void parse_rotate_every(std::string_view text, AdminConfig& c);

}  // namespace dkim::admin
