// SPDX-License-Identifier: MIT
// The cluster key: 32 random bytes in a file (base64 or hex on one line,
// mode 0640 root:dkim-filter), under which every private key stored in
// PostgreSQL is sealed (filter/crypto/seal.h). The admin seals with it,
// dkim-filter-sync opens with it; PostgreSQL never sees it.
#pragma once
#include <string>
#include <string_view>

namespace dkim::cluster {

/// Reads the cluster key. Throws Error(config), naming the file and the
/// fix, when it is missing, unreadable, accessible by others, or not 32
/// bytes in base64 or hex.
std::string load_cluster_key(const std::string& path);

/// Creates the file with a fresh key (O_EXCL, mode 0640, group
/// dkim-filter when that group exists). Throws Error(config) if it exists.
void create_cluster_key(const std::string& path);

/// The associated data a key row's private key is sealed with: the row's
/// (domain, selector), so a sealed value moved to another row fails.
std::string key_aad(std::string_view domain, std::string_view selector);

/// A sealed known text, stored once per cluster, by which a wrong cluster
/// key is told apart from a damaged row.
std::string make_key_check(const std::string& key);
bool key_check_matches(const std::string& key, const std::string& check);

/// Seals / opens a private key PEM for (domain, selector). open throws
/// Error(config) naming the row when it does not authenticate.
std::string seal_private_key(const std::string& key, std::string_view domain, std::string_view selector,
                             std::string_view pem);
std::string open_private_key(const std::string& key, std::string_view domain, std::string_view selector,
                             std::string_view sealed);

}  // namespace dkim::cluster
