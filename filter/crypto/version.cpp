// SPDX-License-Identifier: MIT
#include "filter/crypto/version.h"

#include <openssl/crypto.h>

namespace dkim::crypto {

std::string openssl_version() { return OpenSSL_version(OPENSSL_VERSION); }

}  // namespace dkim::crypto
