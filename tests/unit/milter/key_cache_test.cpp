// SPDX-License-Identifier: MIT
#include "filter/milter/key_cache.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>

#include "filter/base/error.h"
#include "milter_fixture.h"

namespace dkim::milter {
namespace {

policy::Request request(const std::string& user, const std::string& from = "Alice <alice@example.com>") {
  policy::Request r;
  r.sasl_user = user;
  r.from_values = {" " + from + "\r\n"};
  return r;
}

class KeyCacheTest : public test::DatabaseTest {
 protected:
  // What dkim-filter-sync leaves in a replica (db/cluster/replica.cpp): the
  // sync record, confirmed at `confirmed`; later calls confirm it again.
  void confirm_replica(long long confirmed) {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &raw), SQLITE_OK);
    std::string sql =
        "CREATE TABLE IF NOT EXISTS cluster_sync (id INTEGER PRIMARY KEY CHECK (id = 1), cluster_id TEXT NOT "
        "NULL, last_seq INTEGER NOT NULL, confirmed INTEGER NOT NULL); INSERT OR REPLACE INTO cluster_sync "
        "VALUES (1, 'c1', 7, " +
        std::to_string(confirmed) + ")";
    EXPECT_EQ(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(raw);
  }
};

TEST_F(KeyCacheTest, ParsesAKeyOnceAndReusesIt) {
  KeyCache cache(path_);
  auto first = cache.decide(request("alice@example.com"));
  ASSERT_TRUE(first.decision.sign) << first.decision.reason;
  ASSERT_EQ(first.keys.size(), 1u);
  auto second = cache.decide(request("alice@example.com"));
  EXPECT_EQ(second.keys[0].get(), first.keys[0].get());
  auto s = cache.stats();
  EXPECT_EQ(s.opens, 1u);
  EXPECT_EQ(s.parses, 1u);
  EXPECT_EQ(s.reloads, 0u);
}

TEST_F(KeyCacheTest, OrdinaryRefusalsAreAnswersNotExceptions) {
  KeyCache cache(path_);
  EXPECT_EQ(cache.decide(request("nobody@example.com")).decision.reason, "unknown-user");
  EXPECT_EQ(cache.decide(request("alice@example.com", "x@other.example")).decision.reason, "foreign-domain");
}

TEST_F(KeyCacheTest, SeesAUserChangeWithoutRestartAndKeepsUnchangedKeys) {
  KeyCache cache(path_);
  auto before = cache.decide(request("alice@example.com"));
  {
    auto w = writer();
    add_key(w, "example.com", "s2");
    add_user(w, "alice@example.com", "example.com", {"s1", "s2"});
  }
  auto after = cache.decide(request("alice@example.com"));
  ASSERT_EQ(after.keys.size(), 2u);
  EXPECT_EQ(after.keys[0].get(), before.keys[0].get()) << "unchanged s1 row must not be parsed again";
  auto s = cache.stats();
  // The commit is noticed: a new data_version (another connection wrote),
  // or with the rollback journal a changed file that is opened again.
  EXPECT_GE(s.opens + s.reloads, 2u);
  EXPECT_EQ(s.parses, 2u);
}

TEST_F(KeyCacheTest, AReplacedKeyIsParsedAgain) {
  KeyCache cache(path_);
  auto before = cache.decide(request("alice@example.com"));
  {
    auto w = writer();
    w.delete_key("example.com", "s1");
    add_key(w, "example.com", "s1");
  }
  auto after = cache.decide(request("alice@example.com"));
  ASSERT_EQ(after.keys.size(), 1u);
  EXPECT_NE(after.keys[0].get(), before.keys[0].get());
  EXPECT_NE(after.keys[0]->key.public_key().dns_value(), before.keys[0]->key.public_key().dns_value());
}

// A user names the slot; after a rotation its active key has another
// selector, which signs (s=), and the retired key no longer does.
TEST_F(KeyCacheTest, ARotatedSlotSignsWithItsActiveKey) {
  KeyCache cache(path_);
  auto before = cache.decide(request("alice@example.com"));
  ASSERT_TRUE(before.decision.sign) << before.decision.reason;
  EXPECT_EQ(before.keys[0]->selector, "s1");
  {
    auto store = writer();
    db::KeyRecord next;
    next.domain = "example.com";
    next.selector = "s1-next";
    next.slot = "s1";
    next.state = db::KeyState::pending;
    next.type = crypto::KeyType::ed25519;
    auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
    next.private_pem = key.to_pem();
    next.public_key = key.public_key().dns_value();
    store.transaction([&] {
      store.add_key(next);
      auto old = store.find_key("example.com", "s1");
      ASSERT_TRUE(old);
      old->state = db::KeyState::retired;
      old->retired = 2;
      store.update_lifecycle(*old);
      auto fresh = store.find_key("example.com", "s1-next");
      ASSERT_TRUE(fresh);
      fresh->state = db::KeyState::active;
      fresh->activated = 2;
      store.update_lifecycle(*fresh);
    });
  }
  auto after = cache.decide(request("alice@example.com"));
  ASSERT_TRUE(after.decision.sign) << after.decision.reason;
  ASSERT_EQ(after.keys.size(), 1u);
  EXPECT_EQ(after.keys[0]->selector, "s1-next");
  EXPECT_NE(after.keys[0].get(), before.keys[0].get());
}

TEST_F(KeyCacheTest, ADeletedKeyStopsSigning) {
  KeyCache cache(path_);
  ASSERT_TRUE(cache.decide(request("alice@example.com")).decision.sign);
  writer().delete_key("example.com", "s1");
  EXPECT_EQ(cache.decide(request("alice@example.com")).decision.reason, "no-key");
}

TEST_F(KeyCacheTest, ARestoreThatReplacesTheFileIsSeen) {
  KeyCache cache(path_);
  ASSERT_TRUE(cache.decide(request("alice@example.com")).decision.sign);
  // Another database renamed over the path, as a restore does.
  std::string other = dir_ + "/restored.db";
  {
    auto store = db::KeyStore::create(other);
    add_key(store, "example.com", "s9");
    add_user(store, "alice@example.com", "example.com", {"s9"});
  }
  ASSERT_EQ(std::rename(other.c_str(), path_.c_str()), 0);
  std::filesystem::remove(path_ + "-wal");
  std::filesystem::remove(path_ + "-shm");
  auto d = cache.decide(request("alice@example.com"));
  ASSERT_TRUE(d.decision.sign) << d.decision.reason;
  EXPECT_EQ(d.decision.keys[0].selector, "s9");
  EXPECT_EQ(cache.stats().opens, 2u);
}

TEST_F(KeyCacheTest, AnUnsafeModeIsRefusedAtTheNextMessage) {
  KeyCache cache(path_);
  ASSERT_TRUE(cache.decide(request("alice@example.com")).decision.sign);
  ASSERT_EQ(::chmod(path_.c_str(), 0644), 0);
  try {
    cache.decide(request("alice@example.com"));
    FAIL() << "a database others can read was used";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::config);
  }
  ASSERT_EQ(::chmod(path_.c_str(), 0640), 0);
  EXPECT_TRUE(cache.decide(request("alice@example.com")).decision.sign);
}

TEST_F(KeyCacheTest, AMissingDatabaseIsAnErrorUntilItComesBack) {
  std::string moved = dir_ + "/moved.db";
  ASSERT_EQ(std::rename(path_.c_str(), moved.c_str()), 0);
  KeyCache cache(path_);
  EXPECT_THROW(cache.decide(request("alice@example.com")), Error);
  ASSERT_EQ(std::rename(moved.c_str(), path_.c_str()), 0);
  EXPECT_TRUE(cache.decide(request("alice@example.com")).decision.sign);
}

TEST_F(KeyCacheTest, AReplicaNotConfirmedWithinMaxStalenessIsAConfigurationProblem) {
  const long long confirmed = 1'800'000'000;
  confirm_replica(confirmed);
  long long now = confirmed + 3600;
  KeyCache cache(path_, 3600, 4096, [&] { return now; });
  EXPECT_TRUE(cache.decide(request("alice@example.com")).decision.sign) << "within max-staleness";
  now = confirmed + 3601;
  try {
    cache.decide(request("alice@example.com"));
    FAIL() << "a replica confirmed 3601 s ago signed with max-staleness 3600";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::config);
    EXPECT_NE(std::string(e.what()).find("last confirmed current 3601 s ago, more than max-staleness 3600"),
              std::string::npos)
        << e.what();
  }
  // dkim-filter-sync confirms it again (a commit): the next message signs.
  confirm_replica(now);
  EXPECT_TRUE(cache.decide(request("alice@example.com")).decision.sign);
}

TEST_F(KeyCacheTest, ASingleNodeDatabaseIsNeverStale) {
  KeyCache cache(path_, 1, 4096, [] { return 4'000'000'000LL; });
  EXPECT_TRUE(cache.decide(request("alice@example.com")).decision.sign);
}

}  // namespace
}  // namespace dkim::milter
