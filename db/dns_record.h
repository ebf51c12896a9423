// SPDX-License-Identifier: MIT
// The DKIM key record (RFC 6376 §3.6.1): the text to publish for a stored
// key, its zone-file form, and the comparison `key check` makes against
// what DNS returns. Pure functions; the DNS query itself is in db/admin/.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "filter/crypto/key.h"

namespace dkim::db {

/// RFC 6376 §3.6.2.1: "SELECTOR._domainkey.DOMAIN".
std::string dns_record_name(std::string_view domain, std::string_view selector);

/// "v=DKIM1; k=rsa; p=..." (RFC 6376 §3.6.1; Ed25519 p= is the raw key, RFC 8463 §4.2).
std::string dns_record_value(const crypto::PublicKey& key);

/// RFC 1035 §3.3.14: a TXT character-string holds at most 255 bytes, so a
/// long value is published as several strings that resolvers concatenate.
std::vector<std::string> split_txt_strings(std::string_view value, size_t max = 255);

/// One zone-file line: `NAME. IN TXT "..." "..."`.
std::string zone_line(std::string_view name, std::string_view value);

/// What DNS says about a stored key. The numbers are `key check`'s exit codes.
enum class RecordStatus {
  match = 0,          ///< a record publishes exactly this public key
  different_key = 1,  ///< a DKIM record exists with another key (stale), other type, or revoked
  no_record = 2,      ///< NXDOMAIN, or no TXT record at the name
  malformed = 3,      ///< TXT present but not a usable DKIM key record
  dns_error = 4,      ///< timeout, SERVFAIL, REFUSED... (set by the caller)
};

struct RecordCheck {
  RecordStatus status = RecordStatus::no_record;
  std::string detail;  ///< one line for the administrator
};

/// Compares every TXT record found at the name (each already the
/// concatenation of its strings) with `expected`.
RecordCheck check_records(const std::vector<std::string>& txt_records, const crypto::PublicKey& expected);

}  // namespace dkim::db
