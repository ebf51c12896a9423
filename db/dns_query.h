// SPDX-License-Identifier: MIT
// TXT lookups for dkim-filter-admin `key check`: through the system resolver (glibc's
// res_nquery, /etc/resolv.conf), or straight to one server named with
// --nameserver IP[:PORT] over UDP, retrying over TCP when truncated.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace dkim::db {

struct TxtAnswer {
  enum class Outcome { records, nxdomain, nodata, error };
  Outcome outcome = Outcome::error;
  std::vector<std::string> records;  ///< each TXT RR's strings concatenated (RFC 6376 §3.6.2.2)
  std::string error;                 ///< for Outcome::error
};

/// `nameserver` is "IPv4", "IPv4:PORT", "IPv6" or "[IPv6]:PORT"; empty for
/// the system resolver. Throws dkim::Error(usage) for a bad nameserver.
TxtAnswer query_txt(const std::string& name, const std::string& nameserver, int timeout_seconds);

/// Parses a DNS response to a TXT query (RFC 1035 §4.1). Exposed for tests.
TxtAnswer parse_txt_response(const unsigned char* msg, size_t len);

}  // namespace dkim::db
