// SPDX-License-Identifier: MIT
// The DKIM key record (RFC 6376 §3.6.1): the text to publish for a stored
// key, its zone-file form, and the comparison `key check` makes against
// what DNS returns. Pure functions; the DNS queries are in db/dns/.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "db/dns/client.h"
#include "db/names.h"  // escape_text, for showing what DNS returned
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

/// What DNS says about a stored key.
enum class RecordStatus {
  match,          ///< a record publishes exactly this public key, and no other DKIM record is there
  different_key,  ///< a DKIM record exists with another key (stale), other type, or revoked
  no_record,      ///< NXDOMAIN, or no TXT record at the name
  malformed,      ///< TXT present but not a usable DKIM key record
  dns_error,      ///< timeout, SERVFAIL, REFUSED... (set by the caller)
  ambiguous,      ///< the matching record and a different DKIM record are both published (§3.6.2.2)
  not_for_email,  ///< the matching record's s= excludes email (§3.6.1)
};

/// `key check`'s exit status for `status`: 0 match, 1 a mismatch (different
/// key, ambiguous, not for email), 2 no record, 3 malformed, 4 DNS error.
int record_exit_code(RecordStatus status);
/// Its one- or two-word name in `key check`'s output ("matches", ...).
std::string_view record_status_words(RecordStatus status);

struct RecordCheck {
  RecordStatus status = RecordStatus::no_record;
  std::string detail;  ///< one line for the administrator
};

/// Compares every TXT record found at the name (each already the
/// concatenation of its strings) with `expected`.
RecordCheck check_records(const std::vector<std::string>& txt_records, const crypto::PublicKey& expected);

/// The same for a whole DNS answer: no such name or no TXT record is
/// no_record, a failed lookup dns_error (what key check, doctor --dns and
/// the API's DNS check report).
RecordCheck check_answer(const dns::TxtAnswer& answer, const crypto::PublicKey& expected);

}  // namespace dkim::db
