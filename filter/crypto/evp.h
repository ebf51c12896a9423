// SPDX-License-Identifier: MIT
// RAII handles for the OpenSSL objects we use. This folder is the only one
// that includes OpenSSL headers: the crypto backend stays in one place.
#pragma once
#include <openssl/bio.h>
#include <openssl/evp.h>

#include <memory>

namespace dkim::crypto {

struct EvpPkeyFree {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct EvpPkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const noexcept { EVP_PKEY_CTX_free(p); }
};
struct EvpMdCtxFree {
  void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const noexcept { BIO_free(p); }
};

using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, EvpPkeyCtxFree>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

/// The first queued OpenSSL error as text, for messages (never key bytes).
std::string openssl_error_text();

}  // namespace dkim::crypto
