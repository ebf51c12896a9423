// SPDX-License-Identifier: MIT
// A key database in a temporary directory for the milter's tests: one
// Ed25519 key (example.com, s1) and the user alice@example.com signing with
// it, written through the administrator's KeyStore as dkim-filter-admin does.
#pragma once
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "../test_util.h"
#include "db/keystore.h"
#include "filter/crypto/key.h"

namespace dkim::milter::test {

class DatabaseTest : public ::dkim::test::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    path_ = dir_ + "/dkim.db";
    auto store = db::KeyStore::create(path_);
    add_key(store, "example.com", "s1");
    add_user(store, "alice@example.com", "example.com", {"s1"});
  }
  static void add_key(db::KeyStore& store, const std::string& domain, const std::string& selector,
                      const std::string& canon = "relaxed/relaxed") {
    db::KeyRecord k;
    k.domain = domain;
    k.selector = selector;
    k.type = crypto::KeyType::ed25519;
    auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
    k.private_pem = key.to_pem();
    k.public_key = key.public_key().dns_value();  // as published, as `key generate` stores it
    k.canon = canon;
    store.add_key(k);
  }
  static void add_user(db::KeyStore& store, const std::string& name, const std::string& domain,
                       std::vector<std::string> selectors) {
    policy::UserRecord u;
    u.name = name;
    u.kind = policy::UserKind::login;
    u.domain = domain;
    u.selectors = std::move(selectors);
    store.put_user(u, 0, true);
  }
  db::KeyStore writer() { return db::KeyStore::open_writer(path_); }

  std::string path_;
};

}  // namespace dkim::milter::test
