// SPDX-License-Identifier: MIT
// db::dns::parse_tsig_key on arbitrary text: the BIND key statement that
// dkim-filter-admin reads from dns-update-key (named.conf(5) syntax, RFC
// 8945 keys). Only dkim::Error is thrown, always of kind config, and its
// message never contains the secret; an accepted key has a domain-name
// name, a supported algorithm and a base64 secret that was in the input.
#include <cstdint>
#include <string>

#include "db/dns/tsig_key.h"
#include "filter/base/error.h"
#include "filter/crypto/base64.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    dkim::db::dns::TsigKey key = dkim::db::dns::parse_tsig_key(text);
    FUZZ_CHECK(!key.name.empty() && key.name.size() <= 253, "the name is a domain name");
    FUZZ_CHECK(key.name.back() != '.', "the name has no final dot");
    FUZZ_CHECK(
        key.algorithm == "hmac-sha256" || key.algorithm == "hmac-sha384" || key.algorithm == "hmac-sha512",
        "a supported algorithm");
    FUZZ_CHECK(dkim::crypto::base64_decode(key.secret).has_value(), "the secret is base64");
    FUZZ_CHECK(text.find(key.secret) != std::string::npos, "the secret comes from the input");
  } catch (const dkim::Error& e) {
    FUZZ_CHECK(e.kind() == dkim::ErrorKind::config, "errors are configuration errors");
    std::string what = e.what();
    FUZZ_CHECK(what.rfind("tsig: ", 0) == 0, "errors name the part");
    // The secret of a statement that was refused must not be echoed.
    auto at = text.find("secret \"");
    if (at != std::string::npos) {
      auto end = text.find('"', at + 8);
      std::string secret = text.substr(at + 8, end == std::string::npos ? std::string::npos : end - at - 8);
      // (A real secret: base64 of some length, not a fragment of our own
      // wording such as "character (code".)
      bool real = secret.size() >= 16 && dkim::crypto::base64_decode(secret).has_value();
      FUZZ_CHECK(!real || what.find(secret) == std::string::npos, "errors never show the secret");
    }
  }
  return 0;
}
