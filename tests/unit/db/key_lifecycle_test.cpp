// SPDX-License-Identifier: MIT
// The keystore's side of the key lifecycle: slots, states, the one active
// key per slot, and the filter's lookup by slot.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "db/keystore.h"
#include "db/schema.h"
#include "filter/base/error.h"

namespace dkim::db {
namespace {

namespace fs = std::filesystem;

class KeyLifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "lifecycle-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/dkim.db";
  }
  void TearDown() override { fs::remove_all(dir_); }

  static KeyRecord key(const std::string& selector, const std::string& slot, KeyState state,
                       const std::string& pem = "PEM") {
    KeyRecord k;
    k.domain = "example.com";
    k.selector = selector;
    k.slot = slot;
    k.state = state;
    k.bits = 2048;
    k.private_pem = pem;
    return k;
  }

  std::string dir_, path_;
};

TEST_F(KeyLifecycleTest, AKeyWithoutSlotIsItsOwnSlotsActiveKey) {
  auto store = KeyStore::create(path_);
  store.transaction([&] { store.add_key(key("s1", "", KeyState::active, "pem-1")); });
  auto k = store.find_key("example.com", "s1");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->slot, "s1");
  EXPECT_EQ(k->state, KeyState::active);
  EXPECT_EQ(k->activated, k->created);
  auto reader = KeyStore::open_reader(path_);
  auto signing = reader.find_signing_key("example.com", "s1");
  ASSERT_TRUE(signing);
  EXPECT_EQ(signing->selector, "s1");
  EXPECT_EQ(signing->private_pem, "pem-1");
}

TEST_F(KeyLifecycleTest, TheSlotsActiveKeySignsUnderItsOwnSelector) {
  auto store = KeyStore::create(path_);
  store.transaction([&] {
    store.add_key(key("s1", "s1", KeyState::retired, "old"));
    store.add_key(key("s1-20270101", "s1", KeyState::active, "new"));
    store.add_key(key("s1-20270601", "s1", KeyState::pending, "next"));
  });
  auto reader = KeyStore::open_reader(path_);
  auto signing = reader.find_signing_key("example.com", "s1");
  ASSERT_TRUE(signing);
  EXPECT_EQ(signing->selector, "s1-20270101");
  EXPECT_EQ(signing->private_pem, "new");
  EXPECT_TRUE(reader.has_key("example.com", "s1"));
  // A selector is not a slot: the pending and retired keys never sign.
  EXPECT_FALSE(reader.has_key("example.com", "s1-20270601"));
  EXPECT_FALSE(reader.find_signing_key("example.com", "s1-20270601"));
  EXPECT_TRUE(reader.has_selector("example.com", "s1-20270601"));
}

TEST_F(KeyLifecycleTest, PendingOrRetiredOnlyMeansNoKey) {
  auto store = KeyStore::create(path_);
  store.transaction([&] {
    store.add_key(key("a", "s1", KeyState::pending));
    store.add_key(key("b", "s1", KeyState::retired));
    store.add_key(key("c", "s1", KeyState::revoked));
  });
  EXPECT_FALSE(store.has_key("example.com", "s1"));
  EXPECT_FALSE(store.find_signing_key("example.com", "s1"));
}

TEST_F(KeyLifecycleTest, OneActiveKeyPerSlotInTheWriterAndTheSchema) {
  auto store = KeyStore::create(path_);
  store.transaction([&] { store.add_key(key("a", "s1", KeyState::active)); });
  EXPECT_THROW(store.transaction([&] { store.add_key(key("b", "s1", KeyState::active)); }), Error);
  store.transaction([&] { store.add_key(key("b", "s1", KeyState::pending)); });
  auto b = *store.find_key("example.com", "b");
  b.state = KeyState::active;
  // The partial unique index refuses what a careless writer would do.
  EXPECT_THROW(store.transaction([&] { store.update_lifecycle(b); }), Error);
  EXPECT_EQ(store.find_key("example.com", "b")->state, KeyState::pending);
  // Retire first, then activate, in one transaction: the switch.
  store.transaction([&] {
    auto a = *store.find_key("example.com", "a");
    a.state = KeyState::retired;
    a.retired = 1000;
    store.update_lifecycle(a);
    b.activated = 1000;
    store.update_lifecycle(b);
  });
  EXPECT_EQ(store.find_signing_key("example.com", "s1")->selector, "b");
  auto a = *store.find_key("example.com", "a");
  EXPECT_EQ(a.state, KeyState::retired);
  EXPECT_EQ(a.retired, 1000);
}

TEST_F(KeyLifecycleTest, DeletedSelectorsAreRemembered) {
  auto store = KeyStore::create(path_);
  store.transaction([&] { store.add_key(key("a", "s1", KeyState::revoked)); });
  EXPECT_FALSE(store.selector_was_used("example.com", "a"));
  store.transaction([&] { EXPECT_TRUE(store.delete_key("example.com", "a")); });
  EXPECT_TRUE(store.selector_was_used("example.com", "a"));
  EXPECT_FALSE(store.selector_was_used("example.org", "a"));
}

// A database of schema version 1 keeps signing unchanged after migration:
// each key becomes the active key of a slot named after its selector.
TEST_F(KeyLifecycleTest, MigrationMakesEveryOldKeyItsSlotsActiveKey) {
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &raw), SQLITE_OK);
    std::string sql = std::string(migrations().front().sql) +
                      "INSERT INTO keys (domain, selector, type, bits, private_pem, canon, created) "
                      "VALUES ('example.com', 'old', 'rsa', 2048, 'PEM', 'relaxed/relaxed', 77);"
                      "PRAGMA user_version = 1;";
    ASSERT_EQ(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(raw);
    ::chmod(path_.c_str(), 0640);
  }
  auto store = KeyStore::open_writer(path_);
  EXPECT_EQ(store.schema_version(), current_schema_version());
  auto signing = store.find_signing_key("example.com", "old");
  ASSERT_TRUE(signing);
  EXPECT_EQ(signing->selector, "old");
  auto k = store.find_key("example.com", "old");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->slot, "old");
  EXPECT_EQ(k->state, KeyState::active);
  EXPECT_EQ(k->activated, 77);
}

}  // namespace
}  // namespace dkim::db
