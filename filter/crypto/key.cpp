// SPDX-License-Identifier: MIT
#include "filter/crypto/key.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "filter/crypto/base64.h"
#include "filter/crypto/evp.h"
#include "filter/dkim/error.h"

namespace dkim::crypto {

struct PublicKey::Impl { EvpPkeyPtr pkey; };
struct PrivateKey::Impl { EvpPkeyPtr pkey; };

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
    case EVP_PKEY_RSA: return KeyType::rsa;
    case EVP_PKEY_ED25519: return KeyType::ed25519;
    default: fail(ErrorKind::config, "unsupported key type (only RSA and Ed25519 sign DKIM)");
  }
}

void check_strength(KeyType type, EVP_PKEY* pkey) {
  if (type == KeyType::rsa && EVP_PKEY_get_bits(pkey) < kMinRsaBits)
    fail(ErrorKind::config, "RSA key of " + std::to_string(EVP_PKEY_get_bits(pkey)) +
                                " bits refused, at least 1024 required (RFC 8301)");
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

}  // namespace

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
    pkey.reset(d2i_PUBKEY(nullptr, &p, static_cast<long>(der->size())));
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

PrivateKey PrivateKey::from_pem(std::string_view pem) {
  if (pem.size() > (1 << 20)) fail(ErrorKind::config, "key file too large to be a private key");
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) fail(ErrorKind::temporary, "out of memory");
  EvpPkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!pkey) fail(ErrorKind::config, describe_non_private_pem(pem));
  KeyType type = type_of(pkey.get());
  check_strength(type, pkey.get());
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
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(impl_->pkey.get(), &der);
  if (len <= 0) fail(ErrorKind::internal, "cannot derive public key");
  const unsigned char* p = der;
  EvpPkeyPtr pub(d2i_PUBKEY(nullptr, &p, len));
  OPENSSL_free(der);
  if (!pub) fail(ErrorKind::internal, "cannot derive public key");
  return PublicKey(type_, std::make_unique<PublicKey::Impl>(PublicKey::Impl{std::move(pub)}));
}

std::string PrivateKey::to_pem() const {
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), impl_->pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    fail(ErrorKind::internal, "cannot encode private key");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

}  // namespace dkim::crypto
