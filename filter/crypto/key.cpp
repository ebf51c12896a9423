// SPDX-License-Identifier: MIT
#include "filter/crypto/key.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "filter/base/error.h"
#include "filter/crypto/base64.h"
#include "filter/crypto/der.h"
#include "filter/crypto/evp.h"

namespace dkim::crypto {

struct PublicKey::Impl {
  EvpPkeyPtr pkey;
};
struct PrivateKey::Impl {
  EvpPkeyPtr pkey;
};

namespace {

[[noreturn]] void fail(ErrorKind kind, const std::string& what) {
  ERR_clear_error();
  throw Error(kind, "key: " + what);
}

// Refuse to prompt for a passphrase: an encrypted key is a configuration
// error, never a blocked filter waiting on a terminal.
int no_passphrase(char*, int, int, void*) { return -1; }

KeyType type_of(EVP_PKEY* pkey) {
  switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_RSA:
      return KeyType::rsa;
    case EVP_PKEY_ED25519:
      return KeyType::ed25519;
    default:
      fail(ErrorKind::config, "unsupported key type (only RSA and Ed25519 sign DKIM)");
  }
}

void check_strength(KeyType type, EVP_PKEY* pkey) {
  if (type == KeyType::rsa && EVP_PKEY_get_bits(pkey) < kMinRsaBits)
    fail(ErrorKind::config, "RSA key of " + std::to_string(EVP_PKEY_get_bits(pkey)) +
                                " bits refused, at least 1024 required (RFC 8301)");
}

struct BnCtxFree {
  void operator()(BN_CTX* c) const noexcept { BN_CTX_free(c); }
};
struct BnClearFree {
  void operator()(BIGNUM* b) const noexcept { BN_clear_free(b); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnClearFree>;

BnPtr rsa_number(EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) return nullptr;
  return BnPtr(bn);
}

// The public exponent (RFC 8017 §3.1 "e is an integer between 3 and n - 1"
// is not enough): NIST SP 800-89 §5.3.3 and FIPS 186-5 A.1.1 require an odd
// e with 2^16 < e < 2^256. e = 1 makes the "signature" the padded digest
// in the clear, which anyone can forge; small e invites the attacks on
// PKCS#1 v1.5 signature parsing (RFC 8301 §1 cites the need for sound keys).
void check_rsa_exponent(EVP_PKEY* pkey) {
  BnPtr e = rsa_number(pkey, OSSL_PKEY_PARAM_RSA_E);
  if (!e) fail(ErrorKind::config, "RSA key without a public exponent");
  if (!BN_is_odd(e.get())) fail(ErrorKind::config, "RSA public exponent is even: not a usable key");
  BnPtr limit(BN_new());
  if (!limit || BN_set_word(limit.get(), 65536) != 1) fail(ErrorKind::temporary, "out of memory");
  if (BN_cmp(e.get(), limit.get()) <= 0 || BN_num_bits(e.get()) > 256)
    fail(ErrorKind::config,
         "RSA public exponent " + std::string(BN_num_bits(e.get()) <= 64 ? "" : "of ") +
             (BN_num_bits(e.get()) <= 64 ? std::to_string(BN_get_word(e.get()))
                                         : std::to_string(BN_num_bits(e.get())) + " bits") +
             " refused: it must be odd and between 2^16 and 2^256 (NIST SP 800-89)");
}

// The CRT numbers a signature is computed from must be those of the key
// whose public part is published (RFC 8017 §3.2): n = p q, dP = d mod
// (p - 1), dQ = d mod (q - 1), qInv q = 1 mod p, e d = 1 mod (p - 1) and
// mod (q - 1). A damaged value otherwise yields wrong signatures (or, with
// a faulty CRT, leaks a factor). A few multiplications: cheap enough for
// every load, unlike OpenSSL's primality tests.
void check_rsa_crt(EVP_PKEY* pkey) {
  static const char* const kNames[] = {OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,
                                       OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,
                                       OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
                                       OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
  BnPtr v[8];
  for (int i = 0; i < 8; ++i) {
    v[i] = rsa_number(pkey, kNames[i]);
    if (!v[i]) fail(ErrorKind::config, "RSA key without CRT parameters (p, q, dP, dQ, qInv)");
  }
  const BIGNUM *n = v[0].get(), *e = v[1].get(), *d = v[2].get(), *p = v[3].get(), *q = v[4].get();
  const BIGNUM *dp = v[5].get(), *dq = v[6].get(), *qinv = v[7].get();
  std::unique_ptr<BN_CTX, BnCtxFree> ctx(BN_CTX_secure_new());
  BnPtr t(BN_secure_new()), p1(BN_secure_new()), q1(BN_secure_new());
  if (!ctx || !t || !p1 || !q1) fail(ErrorKind::temporary, "out of memory");
  bool ok = BN_mul(t.get(), p, q, ctx.get()) == 1 && BN_cmp(t.get(), n) == 0 &&
            BN_sub(p1.get(), p, BN_value_one()) == 1 && BN_sub(q1.get(), q, BN_value_one()) == 1 &&
            !BN_is_zero(p1.get()) && !BN_is_zero(q1.get()) &&
            BN_nnmod(t.get(), d, p1.get(), ctx.get()) == 1 && BN_cmp(t.get(), dp) == 0 &&
            BN_nnmod(t.get(), d, q1.get(), ctx.get()) == 1 && BN_cmp(t.get(), dq) == 0 &&
            BN_mod_mul(t.get(), qinv, q, p, ctx.get()) == 1 && BN_is_one(t.get()) &&
            BN_mod_mul(t.get(), e, d, p1.get(), ctx.get()) == 1 && BN_is_one(t.get()) &&
            BN_mod_mul(t.get(), e, d, q1.get(), ctx.get()) == 1 && BN_is_one(t.get());
  if (!ok) fail(ErrorKind::config, "RSA key is inconsistent (n, d, p, q and the CRT values do not agree)");
}

// OpenSSL's own checks (EVP_PKEY_check(3)): private_check and public_check
// on every load; with `thorough`, the full pair check as well, which tests
// p and q for primality (SP 800-56B §6.4.1) and costs milliseconds: run on
// import, not per message.
void openssl_key_check(EVP_PKEY* pkey, bool thorough) {
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!ctx) fail(ErrorKind::temporary, "out of memory");
  if (EVP_PKEY_private_check(ctx.get()) != 1 || (thorough && EVP_PKEY_public_check(ctx.get()) != 1) ||
      (thorough && EVP_PKEY_check(ctx.get()) != 1))
    fail(ErrorKind::config, "key fails OpenSSL's key check: not a valid key pair");
  ERR_clear_error();
}

// Names what a PEM block is when it is not a private key, so the one-line
// error tells the administrator what they handed us.
std::string describe_non_private_pem(std::string_view pem) {
  if (pem.find("-----BEGIN") == std::string_view::npos) return "not a PEM private key";
  if (pem.find("PUBLIC KEY-----") != std::string_view::npos)
    return "this is a public key; a private key is needed";
  if (pem.find("CERTIFICATE") != std::string_view::npos) return "this is a certificate, not a private key";
  if (pem.find("ENCRYPTED") != std::string_view::npos) return "encrypted private keys are not supported";
  return "PEM block is not a readable private key";
}

constexpr std::string_view kRsaOid("\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01", 9);  // 1.2.840.113549.1.1.1
constexpr std::string_view kEd25519Oid("\x2b\x65\x70", 3);                      // 1.3.101.112

struct BnFree {
  void operator()(BIGNUM* b) const noexcept { BN_clear_free(b); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* b) const noexcept { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const noexcept { OSSL_PARAM_free(p); }
};

// An RSA key from PKCS#1 numbers through EVP_PKEY_fromdata: the provider
// imports the numbers directly, skipping the decoder search.
EvpPkeyPtr rsa_from_pkcs1(std::string_view der) {
  auto ints = read_rsa_private_key(der);
  if (!ints) return nullptr;
  static const char* const kNames[] = {OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,
                                       OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,
                                       OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
                                       OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  std::unique_ptr<BIGNUM, BnFree> numbers[8];
  if (!bld) return nullptr;
  for (int i = 0; i < 8; ++i) {
    std::string_view v = (*ints)[static_cast<std::size_t>(i) + 1];
    if (static_cast<unsigned char>(v[0]) & 0x80) return nullptr;  // negative: not a key
    numbers[i].reset(
        BN_bin2bn(reinterpret_cast<const unsigned char*>(v.data()), static_cast<int>(v.size()), nullptr));
    if (!numbers[i] || OSSL_PARAM_BLD_push_BN(bld.get(), kNames[i], numbers[i].get()) != 1) return nullptr;
  }
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_KEYPAIR, params.get()) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  return EvpPkeyPtr(raw);
}

// PKCS#8 Ed25519 (RFC 8410 §7): the privateKey octets hold an OCTET STRING
// with the 32-byte seed.
EvpPkeyPtr ed25519_from_pkcs8(std::string_view private_key) {
  DerReader r(private_key);
  auto seed = r.read(der_tag::kOctetString);
  if (!seed || seed->size() != 32) return nullptr;
  return EvpPkeyPtr(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                                 reinterpret_cast<const unsigned char*>(seed->data()), 32));
}

// The two forms DKIM keys come in, decoded directly; nullptr sends anything
// else (and anything odd) to OpenSSL's generic decoder.
EvpPkeyPtr fast_decode(std::string_view pem) {
  auto block = read_pem(pem);
  if (!block) return nullptr;
  EvpPkeyPtr key;
  if (block->label == "RSA PRIVATE KEY") {
    key = rsa_from_pkcs1(block->der);
  } else if (block->label == "PRIVATE KEY") {
    if (auto p8 = read_pkcs8(block->der)) {
      if (p8->algorithm_oid == kRsaOid) key = rsa_from_pkcs1(p8->private_key);
      if (p8->algorithm_oid == kEd25519Oid) key = ed25519_from_pkcs8(p8->private_key);
    }
  }
  cleanse(block->der);
  return key;
}

// An RSA public key from a SubjectPublicKeyInfo through EVP_PKEY_fromdata,
// like rsa_from_pkcs1: d2i_PUBKEY's decoder search costs millions of
// instructions, more than the verification it serves.
EvpPkeyPtr rsa_from_spki(std::string_view der) {
  auto numbers = read_rsa_spki(der);
  if (!numbers) return nullptr;
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  std::unique_ptr<BIGNUM, BnFree> n, e;
  for (auto* v : {&numbers->n, &numbers->e})
    if (static_cast<unsigned char>((*v)[0]) & 0x80) return nullptr;  // negative
  n.reset(BN_bin2bn(reinterpret_cast<const unsigned char*>(numbers->n.data()),
                    static_cast<int>(numbers->n.size()), nullptr));
  e.reset(BN_bin2bn(reinterpret_cast<const unsigned char*>(numbers->e.data()),
                    static_cast<int>(numbers->e.size()), nullptr));
  if (!bld || !n || !e || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1)
    return nullptr;
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  return EvpPkeyPtr(raw);
}

}  // namespace

void initialize() {
  // Each of these costs every message, and the filter needs none of them:
  // - openssl.cnf, and OpenSSL's clean-up at exit (the process ends right
  //   after one message);
  // - the legacy cipher and digest name tables: the first provider fetch
  //   copies every name in them into its name map (3 M instructions), and
  //   we fetch by the providers' own names;
  // - the error reason strings (0.9 M instructions): the only OpenSSL text
  //   the filter can print is after a failed signature, where the packed
  //   code ("error:1C880004:lib(57)::reason(4)") is still exact; the admin
  //   tool, which never calls this, prints the full strings.
  OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ATEXIT | OPENSSL_INIT_NO_ADD_ALL_CIPHERS |
                          OPENSSL_INIT_NO_ADD_ALL_DIGESTS | OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS,
                      nullptr);
  // RSA blinding draws a random number: the default CTR-DRBG would fetch
  // AES and so build OpenSSL's whole cipher table (3.2 M instructions);
  // the SP 800-90A Hash_DRBG over SHA-256 reuses the digest table the
  // signature fetches anyway.
  RAND_set_DRBG_type(nullptr, "HASH-DRBG", nullptr, nullptr, "SHA256");
}

std::string openssl_error_text() {
  unsigned long e = ERR_peek_error();
  if (!e) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

std::string_view key_type_name(KeyType type) { return type == KeyType::rsa ? "rsa" : "ed25519"; }
std::string_view algorithm_name(KeyType type) {
  return type == KeyType::rsa ? "rsa-sha256" : "ed25519-sha256";
}

void cleanse(std::string& secret) {
  if (!secret.empty()) OPENSSL_cleanse(secret.data(), secret.size());
  secret.clear();
}

// Not instrumented: AddressSanitizer would move the array off the machine
// stack (into its own frames), and scrub nothing.
__attribute__((noinline, no_sanitize_address)) void scrub_stack() {
  unsigned char below[64 * 1024];
  OPENSSL_cleanse(below, sizeof below);
}

// ---- PublicKey ------------------------------------------------------------

PublicKey::PublicKey(KeyType type, std::unique_ptr<Impl> impl) : type_(type), impl_(std::move(impl)) {}
PublicKey::PublicKey(PublicKey&&) noexcept = default;
PublicKey& PublicKey::operator=(PublicKey&&) noexcept = default;
PublicKey::~PublicKey() = default;

PublicKey PublicKey::from_dns_value(KeyType type, std::string_view p_base64) {
  auto der = base64_decode(p_base64);
  if (!der || der->empty()) fail(ErrorKind::config, "public key is not valid base64");
  const auto* p = reinterpret_cast<const unsigned char*>(der->data());
  EvpPkeyPtr pkey;
  if (type == KeyType::ed25519) {
    if (der->size() != 32) fail(ErrorKind::config, "ed25519 public key must be 32 bytes");
    pkey.reset(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, p, 32));
  } else {
    pkey = rsa_from_spki(*der);
    if (!pkey) pkey.reset(d2i_PUBKEY(nullptr, &p, static_cast<long>(der->size())));
    if (!pkey) {  // some records publish the bare PKCS#1 RSAPublicKey
      p = reinterpret_cast<const unsigned char*>(der->data());
      pkey.reset(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, static_cast<long>(der->size())));
    }
  }
  if (!pkey || type_of(pkey.get()) != type) fail(ErrorKind::config, "public key does not decode");
  return PublicKey(type, std::make_unique<Impl>(Impl{std::move(pkey)}));
}

std::string PublicKey::dns_value() const {
  if (type_ == KeyType::ed25519) {
    unsigned char raw[32];
    size_t len = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(impl_->pkey.get(), raw, &len) != 1)
      fail(ErrorKind::internal, "cannot export ed25519 public key");
    return base64_encode(std::string_view(reinterpret_cast<char*>(raw), len));
  }
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(impl_->pkey.get(), &der);
  if (len <= 0) fail(ErrorKind::internal, "cannot export RSA public key");
  std::string out = base64_encode(std::string_view(reinterpret_cast<char*>(der), static_cast<size_t>(len)));
  OPENSSL_free(der);
  return out;
}

bool PublicKey::verify_digest(const Sha256Digest& digest, std::string_view signature) const {
  const auto* sig = reinterpret_cast<const unsigned char*>(signature.data());
  bool ok = false;
  if (type_ == KeyType::ed25519) {
    EvpMdCtxPtr md(EVP_MD_CTX_new());
    ok = md && EVP_DigestVerifyInit(md.get(), nullptr, nullptr, nullptr, impl_->pkey.get()) == 1 &&
         EVP_DigestVerify(md.get(), sig, signature.size(), digest.data(), digest.size()) == 1;
  } else {
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new(impl_->pkey.get(), nullptr));
    ok = ctx && EVP_PKEY_verify_init(ctx.get()) == 1 &&
         EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1 &&
         EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) == 1 &&
         EVP_PKEY_verify(ctx.get(), sig, signature.size(), digest.data(), digest.size()) == 1;
  }
  ERR_clear_error();
  return ok;
}

// ---- PrivateKey -----------------------------------------------------------

PrivateKey::PrivateKey(KeyType type, int bits, std::unique_ptr<Impl> impl)
    : type_(type), bits_(bits), impl_(std::move(impl)) {}
PrivateKey::PrivateKey(PrivateKey&&) noexcept = default;
PrivateKey& PrivateKey::operator=(PrivateKey&&) noexcept = default;
PrivateKey::~PrivateKey() = default;

PrivateKey PrivateKey::from_pem(std::string_view pem, bool thorough) {
  if (pem.size() > (1 << 20)) fail(ErrorKind::config, "key file too large to be a private key");
  // With a secure heap (secure_heap.h, a long-lived process) OpenSSL's own
  // decoder reads the key: its ASN.1 reader allocates the secret numbers
  // there, and OpenSSL 3.0 keeps the numbers of fast_decode's direct import
  // in the ordinary heap. Such a process parses each key once.
  EvpPkeyPtr pkey = CRYPTO_secure_malloc_initialized() ? nullptr : fast_decode(pem);
  if (!pkey) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) fail(ErrorKind::temporary, "out of memory");
    pkey.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  }
  if (!pkey) fail(ErrorKind::config, describe_non_private_pem(pem));
  KeyType type = type_of(pkey.get());
  check_strength(type, pkey.get());
  if (type == KeyType::rsa) {
    check_rsa_exponent(pkey.get());
    check_rsa_crt(pkey.get());
  }
  openssl_key_check(pkey.get(), thorough);
  int bits = EVP_PKEY_get_bits(pkey.get());
  return PrivateKey(type, bits, std::make_unique<Impl>(Impl{std::move(pkey)}));
}

PrivateKey PrivateKey::generate(KeyType type, int bits) {
  if (type == KeyType::rsa && (bits < kMinRsaBits || bits > 8192))
    fail(ErrorKind::usage, "RSA key size must be between 1024 and 8192 bits");
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_id(type == KeyType::rsa ? EVP_PKEY_RSA : EVP_PKEY_ED25519, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      (type == KeyType::rsa && EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), bits) != 1) ||
      EVP_PKEY_keygen(ctx.get(), &raw) != 1)
    fail(ErrorKind::temporary, "key generation failed: " + openssl_error_text());
  EvpPkeyPtr pkey(raw);
  int real_bits = EVP_PKEY_get_bits(pkey.get());
  return PrivateKey(type, real_bits, std::make_unique<Impl>(Impl{std::move(pkey)}));
}

std::string PrivateKey::sign_digest(const Sha256Digest& digest) const {
  std::string sig(static_cast<size_t>(EVP_PKEY_get_size(impl_->pkey.get())), '\0');
  size_t len = sig.size();
  auto* out = reinterpret_cast<unsigned char*>(sig.data());
  bool ok;
  if (type_ == KeyType::ed25519) {
    EvpMdCtxPtr md(EVP_MD_CTX_new());
    ok = md && EVP_DigestSignInit(md.get(), nullptr, nullptr, nullptr, impl_->pkey.get()) == 1 &&
         EVP_DigestSign(md.get(), out, &len, digest.data(), digest.size()) == 1;
  } else {
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new(impl_->pkey.get(), nullptr));
    ok = ctx && EVP_PKEY_sign_init(ctx.get()) == 1 &&
         EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1 &&
         EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) == 1 &&
         EVP_PKEY_sign(ctx.get(), out, &len, digest.data(), digest.size()) == 1;
  }
  if (!ok) fail(ErrorKind::internal, "signing failed: " + openssl_error_text());
  sig.resize(len);
  return sig;
}

PublicKey PrivateKey::public_key() const {
  // The same key object: verification reads only the public numbers, and
  // sharing it avoids an export/decode round trip on every message.
  EVP_PKEY_up_ref(impl_->pkey.get());
  return PublicKey(type_, std::make_unique<PublicKey::Impl>(PublicKey::Impl{EvpPkeyPtr(impl_->pkey.get())}));
}

bool PrivateKey::matches(const PublicKey& key) const {
  // EVP_PKEY_eq(3) compares the public components only.
  bool same = type_ == key.type() && EVP_PKEY_eq(impl_->pkey.get(), key.impl_->pkey.get()) == 1;
  ERR_clear_error();
  return same;
}

std::string PrivateKey::to_pem() const {
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), impl_->pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    fail(ErrorKind::internal, "cannot encode private key");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

}  // namespace dkim::crypto
