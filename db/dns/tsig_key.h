// SPDX-License-Identifier: MIT
// A TSIG key (RFC 8945) read from a file in BIND's key statement format,
// the format tsig-keygen(8) writes and named.conf(5) and nsupdate(1) read:
//
//   key "NAME" { algorithm hmac-sha256; secret "BASE64"; };
//
// Comments (#, //, /* */) are allowed, as in named.conf. One key per file;
// anything else is refused with one line saying what is wrong, and the
// secret never appears in a message.
#pragma once
#include <string>
#include <string_view>

namespace dkim::db::dns {

struct TsigKey {
  std::string name;       ///< the key's domain name, lower-case, no final dot
  std::string algorithm;  ///< "hmac-sha256", "hmac-sha384" or "hmac-sha512"
  std::string secret;     ///< base64, as in the file
  ~TsigKey();             ///< wipes the secret
};

/// Parses the text of a key file. Throws Error(config) "tsig: ..." when it
/// is not exactly one key statement with a supported algorithm and a
/// base64 secret. HMAC-MD5 and HMAC-SHA1 are refused (RFC 8945 §6: SHA-256
/// is the one to use; MD5 is deprecated).
TsigKey parse_tsig_key(std::string_view text);

/// Reads FILE and parses it; the file must not be readable by others.
TsigKey read_tsig_key(const std::string& file);

}  // namespace dkim::db::dns
