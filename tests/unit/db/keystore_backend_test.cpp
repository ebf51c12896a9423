// SPDX-License-Identifier: MIT
// KeyStore over a Backend (the cluster's PostgreSQL in production): the
// refusals stay KeyStore's, so a store that only keeps rows refuses what
// the SQLite file refuses, and every call reaches the backend.
#include <gtest/gtest.h>

#include <map>

#include "db/keystore.h"
#include "filter/base/error.h"

namespace dkim::db {
namespace {

class MemoryBackend : public KeyStore::Backend {
 public:
  std::map<std::pair<std::string, std::string>, KeyRecord> keys;
  std::map<std::string, policy::UserRecord> users;
  int transactions = 0;

  int schema_version() override { return 2; }
  std::optional<KeyRecord> find_key(std::string_view d, std::string_view s) override {
    auto it = keys.find({std::string(d), std::string(s)});
    if (it == keys.end()) return std::nullopt;
    return it->second;
  }
  std::optional<KeyRecord> find_signing_key(std::string_view d, std::string_view slot) override {
    for (auto& [name, k] : keys)
      if (k.domain == d && k.slot == slot && k.state == KeyState::active) return k;
    return std::nullopt;
  }
  bool has_active_key(std::string_view d, std::string_view slot) override {
    return find_signing_key(d, slot).has_value();
  }
  bool has_selector(std::string_view d, std::string_view s) override { return find_key(d, s).has_value(); }
  std::optional<policy::UserRecord> login_user(std::string_view name) override { return find_user(name); }
  std::optional<policy::UserRecord> ip_user(const std::vector<std::string>& names) override {
    for (auto it = names.rbegin(); it != names.rend(); ++it)
      if (auto u = find_user(*it)) return u;
    return std::nullopt;
  }
  void read_transaction(const std::function<void()>& body) override { body(); }
  void transaction(const std::function<void()>& body) override {
    ++transactions;
    body();
  }
  void insert_key(const KeyRecord& k) override { keys[{k.domain, k.selector}] = k; }
  bool update_lifecycle(const KeyRecord& k) override {
    auto it = keys.find({k.domain, k.selector});
    if (it == keys.end()) return false;
    it->second.state = k.state;
    return true;
  }
  bool selector_was_used(std::string_view, std::string_view) override { return false; }
  bool delete_key(std::string_view d, std::string_view s) override {
    return keys.erase({std::string(d), std::string(s)}) > 0;
  }
  std::vector<KeyRecord> list_keys(std::string_view) override {
    std::vector<KeyRecord> out;
    for (auto& [name, k] : keys) out.push_back(k);
    return out;
  }
  std::optional<policy::UserRecord> find_user(std::string_view name) override {
    auto it = users.find(std::string(name));
    if (it == users.end()) return std::nullopt;
    return it->second;
  }
  void put_user(const policy::UserRecord& u, int) override { users[u.name] = u; }
  bool delete_user(std::string_view name) override { return users.erase(std::string(name)) > 0; }
  std::vector<policy::UserRecord> list_users(std::string_view) override { return {}; }
};

KeyRecord key(const std::string& selector, const std::string& slot = "", KeyState state = KeyState::active) {
  KeyRecord k;
  k.domain = "example.com";
  k.selector = selector;
  k.slot = slot;
  k.state = state;
  k.private_pem = "PEM";
  return k;
}

struct BackendStore {
  MemoryBackend* backend = new MemoryBackend;  // owned by store
  KeyStore store = KeyStore::with_backend("memory", std::unique_ptr<KeyStore::Backend>(backend));
};

TEST(KeyStoreBackend, AddKeyDecidesSlotAndTimesAndRefusesAsTheFileDoes) {
  BackendStore b;
  b.store.transaction([&] { b.store.add_key(key("s1")); });
  EXPECT_EQ(b.backend->transactions, 1);
  auto stored = b.backend->find_key("example.com", "s1");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->slot, "s1");  // a new key is the active key of its own slot
  EXPECT_GT(stored->created, 0);
  EXPECT_EQ(stored->activated, stored->created);
  EXPECT_TRUE(b.store.has_key("example.com", "s1"));
  try {
    b.store.add_key(key("s1"));
    FAIL() << "duplicate selector accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::data);
    EXPECT_NE(std::string(e.what()).find("already has a key for selector s1"), std::string::npos);
  }
  EXPECT_THROW(b.store.add_key(key("s2", "s1")), Error);  // a second active key in slot s1
  b.store.add_key(key("s2", "s1", KeyState::pending));    // a pending successor is fine
  EXPECT_EQ(b.backend->find_key("example.com", "s2")->activated, 0);
  EXPECT_EQ(b.store.find_signing_key("example.com", "s1")->selector, "s1");
}

TEST(KeyStoreBackend, RefusesUnknownKeyAndDuplicateUser) {
  BackendStore b;
  EXPECT_THROW(b.store.update_lifecycle(key("nope")), Error);
  policy::UserRecord u;
  u.name = "alice@example.com";
  u.domain = "example.com";
  b.store.put_user(u, 0, false);
  EXPECT_THROW(b.store.put_user(u, 0, false), Error);
  u.selectors = {"s1"};
  b.store.put_user(u, 0, true);
  EXPECT_EQ(b.store.find_user("alice@example.com")->selectors, std::vector<std::string>{"s1"});
  // The filter's normalisation of a login runs before the backend is asked.
  EXPECT_TRUE(b.store.user_by_login("alice@EXAMPLE.com"));
  EXPECT_TRUE(b.store.delete_user("alice@example.com"));
  EXPECT_FALSE(b.store.delete_user("alice@example.com"));
  EXPECT_FALSE(b.store.replica_confirmed());
  EXPECT_EQ(b.store.schema_version(), 2);
}

// What only the SQLite file has: a backend store answers as one without it.
TEST(KeyStoreBackend, AnswersAsAStoreWithoutTheFilesOwnFeatures) {
  BackendStore b;
  EXPECT_EQ(b.store.data_version(), 0);
  b.store.release_memory();
  EXPECT_TRUE(b.store.lookup_query_plans().empty());
  EXPECT_FALSE(b.store.replica_confirmed());
}

}  // namespace
}  // namespace dkim::db
