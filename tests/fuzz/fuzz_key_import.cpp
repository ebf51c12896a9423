// SPDX-License-Identifier: MIT
// Private key import: crypto::PrivateKey::from_pem (the filter loads every
// key from the database through it) and dkim-filter-admin's percent-decoding
// for `key import --urlencoded`. Byte 0 picks the path:
//  even: from_pem(rest)
//  odd:  percent_decode(rest), then from_pem of the result
// Properties: only dkim::Error escapes; an accepted key is RSA >= 1024 bits
// or Ed25519 and survives to_pem() -> from_pem() unchanged; error messages
// never echo key material; percent-decoding inverts a reference quote_plus;
// and from_pem (which has its own fast PKCS#1 / PKCS#8 decoder) agrees with
// OpenSSL's generic PEM decoder: never refuses a key OpenSSL reads, and
// reads the same key when both accept.
//
// The product keeps OpenSSL headers in filter/crypto/; this test includes
// them on purpose, as the independent reference decoder.
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "db/admin/percent_decode.h"
#include "filter/base/error.h"
#include "filter/crypto/key.h"
#include "fuzz_check.h"

namespace {

using dkim::crypto::KeyType;
using dkim::crypto::PrivateKey;

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
         c == '=';
}

// Error messages never contain key material (dkim-filter-admin(8) "key import"). Any base64
// run of 16+ characters from the input showing up in a message is a leak.
void check_no_echo(std::string_view input, std::string_view message) {
  std::size_t i = 0;
  while (i < input.size()) {
    std::size_t j = i;
    while (j < input.size() && is_base64_char(input[j])) ++j;
    if (j - i >= 16) {
      for (std::size_t k = i; k + 16 <= j; k += 8)
        FUZZ_CHECK(message.find(input.substr(k, 16)) == std::string_view::npos, "error message echoes input");
    }
    i = j + 1;
  }
}

int refuse_passphrase(char*, int, int, void*) { return -1; }

/// RSA keys the signer must refuse although OpenSSL reads them: an
/// exponent outside RFC 8301 / NIST SP 800-89's odd 2^16 < e < 2^256, or
/// numbers that fail OpenSSL's full key check (primes, CRT values).
bool rsa_acceptable(EVP_PKEY* key) {
  BIGNUM* e = nullptr;
  if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e) != 1) return false;
  bool exponent_ok = BN_is_odd(e) && BN_num_bits(e) >= 17 && BN_num_bits(e) <= 256;
  BN_free(e);
  if (!exponent_ok) return false;
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(key, nullptr),
                                                                  EVP_PKEY_CTX_free);
  return ctx && EVP_PKEY_check(ctx.get()) == 1;
}

/// OpenSSL's own reading of `pem` as unencrypted PKCS#8 PEM text; "" when
/// it is not a usable DKIM key (not a private key, another type, RSA under
/// 1024 bits or failing rsa_acceptable).
std::string reference_pkcs8(std::string_view pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> in(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                               BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      in ? PEM_read_bio_PrivateKey(in.get(), nullptr, refuse_passphrase, nullptr) : nullptr, EVP_PKEY_free);
  std::string out;
  bool usable = key && (EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_ED25519 ||
                        (EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_RSA &&
                         EVP_PKEY_get_bits(key.get()) >= 1024 && rsa_acceptable(key.get())));
  std::unique_ptr<BIO, decltype(&BIO_free)> mem(BIO_new(BIO_s_mem()), BIO_free);
  if (usable && mem &&
      PEM_write_bio_PrivateKey(mem.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1) {
    char* data = nullptr;
    long len = BIO_get_mem_data(mem.get(), &data);
    out.assign(data, static_cast<std::size_t>(len));
  }
  ERR_clear_error();
  return out;
}

void import(std::string_view pem) {
  std::optional<PrivateKey> key;
  std::string reference = reference_pkcs8(pem);
  try {
    key.emplace(PrivateKey::from_pem(pem));
  } catch (const dkim::Error& e) {
    FUZZ_CHECK(e.kind() == dkim::ErrorKind::config || e.kind() == dkim::ErrorKind::temporary,
               "a bad key is a config (or out-of-memory) error");
    check_no_echo(pem, e.what());
    FUZZ_CHECK(reference.empty(), "from_pem refuses a key OpenSSL reads as a usable DKIM key");
    return;
  }
  // The fast decoder is laxer about PEM framing than OpenSSL (it takes
  // "-----END PRIVATE KEY-----junk", see regressions/key_import/); where
  // OpenSSL reads a key too, it must be the very same key.
  if (!reference.empty())
    FUZZ_CHECK(key->to_pem() == reference, "from_pem reads a different key than OpenSSL does");
  FUZZ_CHECK(key->type() == KeyType::ed25519 || key->bits() >= dkim::crypto::kMinRsaBits,
             "RSA under 1024 bits is refused (RFC 8301)");
  try {
    std::string stored = key->to_pem();
    PrivateKey back = PrivateKey::from_pem(stored);
    dkim::crypto::cleanse(stored);
    FUZZ_CHECK(back.type() == key->type() && back.bits() == key->bits(), "to_pem round trip keeps the key");
    FUZZ_CHECK(back.public_key().dns_value() == key->public_key().dns_value(),
               "round trip keeps the public key");
  } catch (const dkim::Error& e) {
    // An inconsistent key OpenSSL parsed but cannot re-encode: the filter
    // turns this into a tempfail, which is acceptable; a crash is not.
    check_no_echo(pem, e.what());
  }
}

// Python's urllib.parse.quote_plus with safe="" (what the old panel used).
std::string quote_plus(std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : in) {
    auto u = static_cast<unsigned char>(c);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
        std::string_view("_.-~").find(c) != std::string_view::npos) {
      out += c;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string input(fuzz::as_view(data + 1, size - 1));
  FUZZ_CHECK(dkim::admin::percent_decode(quote_plus(input)) == input, "percent_decode inverts quote_plus");
  if (data[0] % 2 == 0) {
    import(input);
    return 0;
  }
  std::string decoded;
  try {
    decoded = dkim::admin::percent_decode(input);
  } catch (const dkim::Error& e) {
    FUZZ_CHECK(e.kind() == dkim::ErrorKind::data, "bad percent-encoding is a data error");
    check_no_echo(input, e.what());
    return 0;
  }
  import(decoded);
  return 0;
}
