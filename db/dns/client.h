// SPDX-License-Identifier: MIT
// dkim-filter-admin's DNS client: TXT lookups (key check, activation),
// SOA and NS lookups that find a name's zone and its authoritative servers,
// and RFC 2136 dynamic updates signed with TSIG (RFC 8945) that add,
// replace or delete the one TXT record of a DKIM key.
//
// The implementation is ldns (NLnet Labs), in db/dns/ldns_client.cpp, the
// only file that includes ldns headers: ldns includes OpenSSL's headers
// through its own, and OpenSSL stays out of every other folder of db/.
// Nothing here is used by the filter: db/dns/ is linked into the admin only.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/dns/tsig_key.h"

namespace dkim::db::dns {

/// A server to ask: an IP address and a port.
struct Server {
  std::string address;  ///< IPv4 or IPv6 literal
  uint16_t port = 53;
  /// "192.0.2.1:53", "[2001:db8::1]:53": how messages name it.
  std::string text() const;
};

/// "IPv4", "IPv4:PORT", "IPv6" or "[IPv6]:PORT". Throws Error(usage)
/// naming `what` (an option name) when it is none of these.
Server parse_server(std::string_view text, std::string_view what = "--nameserver");

struct TxtAnswer {
  enum class Outcome { records, nxdomain, nodata, error };
  Outcome outcome = Outcome::error;
  /// Each TXT RR's character-strings concatenated (RFC 6376 §3.6.2.2).
  std::vector<std::string> records;
  uint32_t ttl = 0;   ///< the smallest TTL of those records
  std::string error;  ///< for Outcome::error: one line
};

struct QueryOptions {
  int timeout_seconds = 5;
};

/// TXT records at `name`, from `server` when given (no recursion asked),
/// else from the system resolver (/etc/resolv.conf). Over UDP, retried
/// over TCP when the answer is truncated (RFC 7766 §5). Never throws for
/// DNS failures (Outcome::error); a CNAME chain is followed by the server.
TxtAnswer query_txt(const std::string& name, const std::optional<Server>& server,
                    const QueryOptions& options);

/// Interprets a DNS response to a TXT query for `name` (RFC 1035 §4.1).
/// Exposed for tests and the fuzz target.
TxtAnswer parse_txt_response(const unsigned char* wire, size_t size);

/// The zone `name` belongs to: the owner of the SOA record in the answer or
/// the authority section of a SOA query for `name` (RFC 2136 §4: the
/// requestor finds the zone from the SOA). Throws Error(temporary) "dns: ...".
std::string find_zone(const std::string& name, const std::optional<Server>& server,
                      const QueryOptions& options);

/// The addresses of every name server of `zone` (its NS records, each
/// resolved to A and AAAA through the system resolver). Throws
/// Error(temporary) when there are none.
std::vector<Server> authoritative_servers(const std::string& zone, const QueryOptions& options);

/// One change to the TXT RRset at a name (RFC 2136 §2.5).
struct TxtChange {
  enum class Action {
    replace,  ///< delete every TXT RR at the name, then add `value`
    remove,   ///< delete every TXT RR at the name
  };
  Action action = Action::replace;
  std::string name;   ///< owner, no final dot
  std::string value;  ///< one RR, split into strings of at most 255 octets
  uint32_t ttl = 3600;
};

/// Sends one UPDATE for `zone` to `server`, signed with `key`, and checks
/// that the answer is NOERROR and carries a valid TSIG (RFC 8945 §5.3).
/// Throws Error(temporary) "dns: update ...: REFUSED" and the like; the
/// server has then changed nothing (RFC 2136 §3: an update is atomic).
void update_txt(const Server& server, const std::string& zone, const TxtChange& change, const TsigKey& key,
                const QueryOptions& options);

}  // namespace dkim::db::dns
