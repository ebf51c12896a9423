// SPDX-License-Identifier: MIT
// The OpenSSL this program runs with, for --version and `doctor`. The
// filter links libcrypto statically, so there it is the one built in.
#pragma once
#include <string>

namespace dkim::crypto {

/// OpenSSL_version(OPENSSL_VERSION) (OpenSSL_version(3)), e.g.
/// "OpenSSL 3.0.17 1 Jul 2025".
std::string openssl_version();

}  // namespace dkim::crypto
