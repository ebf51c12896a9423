// SPDX-License-Identifier: MIT
// The benchmark's floor: the least a per-process RSA-2048 signer on OpenSSL 3
// must do. It loads libcrypto, builds the key from its already-decoded
// numbers (compiled in from floor_key.h, which bench/run generates: no PEM or
// DER parsing), signs one fixed SHA-256 digest with RSASSA-PKCS1-v1_5 and
// writes the 256-octet signature to stdout. It does not read the message:
// everything a real signer spends above this line is reading, hashing,
// header work, key decoding and output.
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <stdio.h>

#include "floor_key.h"  // kN, kE, kD, kP, kQ, kDp, kDq, kQinv: big-endian octets

static const unsigned char kDigest[32] = {
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};

static int push(OSSL_PARAM_BLD *bld, const char *name, const unsigned char *v, int len,
                BIGNUM **keep) {
  *keep = BN_bin2bn(v, len, NULL);
  return *keep != NULL && OSSL_PARAM_BLD_push_BN(bld, name, *keep);
}

static EVP_PKEY *build_key(void) {
  BIGNUM *bn[8] = {0};
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  EVP_PKEY *pkey = NULL;
  int ok = bld != NULL && push(bld, OSSL_PKEY_PARAM_RSA_N, kN, sizeof kN, &bn[0]) &&
           push(bld, OSSL_PKEY_PARAM_RSA_E, kE, sizeof kE, &bn[1]) &&
           push(bld, OSSL_PKEY_PARAM_RSA_D, kD, sizeof kD, &bn[2]) &&
           push(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, kP, sizeof kP, &bn[3]) &&
           push(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, kQ, sizeof kQ, &bn[4]) &&
           push(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, kDp, sizeof kDp, &bn[5]) &&
           push(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, kDq, sizeof kDq, &bn[6]) &&
           push(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, kQinv, sizeof kQinv, &bn[7]);
  OSSL_PARAM *params = ok ? OSSL_PARAM_BLD_to_param(bld) : NULL;
  EVP_PKEY_CTX *ctx = params ? EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL) : NULL;
  if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
      EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) <= 0)
    pkey = NULL;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  for (int i = 0; i < 8; i++) BN_free(bn[i]);
  return pkey;
}

int main(void) {
  EVP_PKEY *pkey = build_key();
  if (pkey == NULL) {
    fputs("floor: cannot build the RSA key\n", stderr);
    return 1;
  }
  unsigned char sig[512];
  size_t sig_len = sizeof sig;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);
  int ok = ctx != NULL && EVP_PKEY_sign_init(ctx) > 0 &&
           EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
           EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) > 0 &&
           EVP_PKEY_sign(ctx, sig, &sig_len, kDigest, sizeof kDigest) > 0;
  EVP_PKEY_CTX_free(ctx);
  EVP_PKEY_free(pkey);
  if (!ok || fwrite(sig, 1, sig_len, stdout) != sig_len) {
    fputs("floor: signing failed\n", stderr);
    return 1;
  }
  return 0;
}
