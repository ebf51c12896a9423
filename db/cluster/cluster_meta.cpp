// SPDX-License-Identifier: MIT
#include "db/cluster/cluster_meta.h"

#include "db/cluster/cluster_key.h"
#include "filter/base/error.h"
#include "filter/crypto/base64.h"
#include "filter/crypto/seal.h"

namespace dkim::cluster {
namespace {

std::string meta(Connection& c, const char* name) {
  auto r = c.exec("SELECT value FROM cluster_meta WHERE name = $1", {std::string(name)});
  return r.rows() ? r.text(0, 0) : std::string();
}

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

}  // namespace

std::string init_cluster_meta(Connection& c, const std::string& key) {
  c.transaction("", [&] {
    c.exec("INSERT INTO cluster_meta (name, value) VALUES ('cluster_id', $1) ON CONFLICT DO NOTHING",
           {hex(crypto::random_bytes(16))});
    c.exec("INSERT INTO cluster_meta (name, value) VALUES ('key_check', $1) ON CONFLICT DO NOTHING",
           {make_key_check(key)});
  });
  return verify_cluster_key(c, key, "the cluster key file");
}

std::string verify_cluster_key(Connection& c, const std::string& key, const std::string& key_file) {
  std::string check = meta(c, "key_check");
  if (check.empty())
    throw Error(ErrorKind::config, "cluster: not initialised (run dkim-filter-admin cluster init)");
  if (!key_check_matches(key, check))
    throw Error(ErrorKind::config, "cluster: " + key_file +
                                       " is not the key this cluster was initialised with (copy the cluster "
                                       "key file from the admin host)");
  return meta(c, "cluster_id");
}

}  // namespace dkim::cluster
