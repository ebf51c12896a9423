// SPDX-License-Identifier: MIT
#include "db/keystore.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "db/schema.h"
#include "db/sqlite.h"
#include "filter/base/error.h"

namespace dkim::db {
namespace {

namespace fs = std::filesystem;

class KeyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "keystore-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/dkim.db";
  }
  void TearDown() override { fs::remove_all(dir_); }

  static KeyRecord key(const std::string& domain, const std::string& selector,
                       const std::string& pem = "PEM") {
    KeyRecord k;
    k.domain = domain;
    k.selector = selector;
    k.type = crypto::KeyType::rsa;
    k.bits = 2048;
    k.private_pem = pem;
    return k;
  }
  static policy::UserRecord user(const std::string& name, policy::UserKind kind, const std::string& domain,
                                 std::vector<std::string> selectors) {
    policy::UserRecord u;
    u.name = name;
    u.kind = kind;
    u.domain = domain;
    u.selectors = std::move(selectors);
    return u;
  }
  static ErrorKind kind_of(const std::function<void()>& f) {
    try {
      f();
    } catch (const Error& e) {
      return e.kind();
    }
    ADD_FAILURE() << "no dkim::Error thrown";
    return ErrorKind::internal;
  }

  std::string dir_, path_;
};

TEST_F(KeyStoreTest, CreatesFile0640WhateverTheUmask) {
  for (mode_t mask : {mode_t(0), mode_t(022), mode_t(077)}) {
    fs::remove(path_);
    mode_t old = ::umask(mask);
    KeyStore::create(path_);
    ::umask(old);
    struct stat st {};
    ASSERT_EQ(::stat(path_.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0640u) << "umask " << mask;
  }
}

std::string journal_mode(const std::string& path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  SqlitePtr raw(db);
  Statement st(db, "PRAGMA journal_mode");
  return st.step() ? st.text(0) : "";
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST_F(KeyStoreTest, CreatesWithRollbackJournalAtCurrentVersion) {
  auto store = KeyStore::create(path_);
  EXPECT_EQ(store.schema_version(), current_schema_version());
  EXPECT_EQ(journal_mode(path_), "delete");
  store.transaction([&] { store.add_key(key("example.com", "s1")); });
  for (const char* suffix : {"-journal", "-wal", "-shm"})
    EXPECT_FALSE(fs::exists(path_ + suffix)) << suffix << " left behind";
}

TEST_F(KeyStoreTest, WriterConvertsWalDatabaseAndRemovesSideFiles) {
  KeyStore::create(path_);
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    SqlitePtr raw(db);
    int persist = 1;  // what earlier versions did: -wal and -shm stay after close
    sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
    exec(db, "PRAGMA journal_mode = WAL");
    exec(db,
         "INSERT INTO keys (domain, selector, type, bits, private_pem, created) "
         "VALUES ('example.com', 's1', 'rsa', 2048, 'PEM', 0)");
  }
  ASSERT_TRUE(fs::exists(path_ + "-wal"));
  ASSERT_TRUE(fs::exists(path_ + "-shm"));
  {
    auto store = KeyStore::open_writer(path_);
    EXPECT_TRUE(store.find_key("example.com", "s1"));  // the WAL's row was checkpointed, not lost
  }
  EXPECT_EQ(journal_mode(path_), "delete");
  EXPECT_FALSE(fs::exists(path_ + "-wal"));
  EXPECT_FALSE(fs::exists(path_ + "-shm"));
}

TEST_F(KeyStoreTest, ReaderRefusesSideFileOthersCanReadAndNamesEveryFile) {
  KeyStore::create(path_);
  for (const char* suffix : {"-journal", "-wal", "-shm"}) {
    std::string side = path_ + suffix;
    { std::ofstream(side).flush(); }
    ASSERT_EQ(::chmod(side.c_str(), 0644), 0);
    std::string why = message_of([&] { KeyStore::open_reader(path_); });
    EXPECT_NE(why.find(side), std::string::npos) << why;
    EXPECT_EQ(kind_of([&] { KeyStore::open_reader(path_); }), ErrorKind::config) << suffix;
  }
  // All three at once, and the database too: one message names all four.
  ASSERT_EQ(::chmod(path_.c_str(), 0644), 0);
  std::string why = message_of([&] { KeyStore::open_reader(path_); });
  for (const char* suffix : {"", "-journal", "-wal", "-shm"})
    EXPECT_NE(why.find(path_ + suffix + " (mode 0644)"), std::string::npos) << why;
  EXPECT_NE(why.find("chmod o-rwx " + path_ + " "), std::string::npos) << why;
}

TEST_F(KeyStoreTest, ReaderAcceptsPrivateSideFile) {
  KeyStore::create(path_);
  std::string side = path_ + "-journal";
  { std::ofstream(side).flush(); }  // empty: not a hot journal
  ASSERT_EQ(::chmod(side.c_str(), 0640), 0);
  EXPECT_NO_THROW(KeyStore::open_reader(path_));
}

TEST_F(KeyStoreTest, SymbolicLinkIsRefusedByName) {
  KeyStore::create(path_);
  std::string link = dir_ + "/link.db";
  fs::create_symlink(path_, link);
  for (auto open : {&KeyStore::open_reader, &KeyStore::open_writer}) {
    EXPECT_EQ(kind_of([&] { open(link); }), ErrorKind::config);
    std::string why = message_of([&] { open(link); });
    EXPECT_NE(why.find(link + " is a symbolic link to " + path_), std::string::npos) << why;
  }
}

// A writer killed after its transaction spilled pages into the file leaves
// a hot journal: the filter cannot roll it back (read-only) and defers with
// advice; the next writer rolls it back.
TEST_F(KeyStoreTest, HotJournalIsTemporaryForReaderAndRolledBackByWriter) {
  KeyStore::create(path_);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    sqlite3* db = nullptr;
    sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
    // A one-page cache makes the transaction spill to the database file.
    sqlite3_exec(
        db,
        "PRAGMA cache_size = 1; BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
        "WHERE i < 3000) INSERT INTO users (name, kind, created) SELECT 'u' || i, 'login', 0 FROM n;",
        nullptr, nullptr, nullptr);
    ::_exit(0);  // no COMMIT, no close: as if killed
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(fs::exists(path_ + "-journal"));
  EXPECT_EQ(kind_of([&] { KeyStore::open_reader(path_); }), ErrorKind::temporary);
  std::string why = message_of([&] { KeyStore::open_reader(path_); });
  EXPECT_NE(why.find(path_ + "-journal is a hot journal"), std::string::npos) << why;
  KeyStore::open_writer(path_);
  EXPECT_FALSE(fs::exists(path_ + "-journal"));
  auto reader = KeyStore::open_reader(path_);
  EXPECT_FALSE(reader.find_user("u1"));  // rolled back
}

// The reader refuses every write in KeyStore, before the file is asked.
TEST_F(KeyStoreTest, ReaderRefusesWrites) {
  KeyStore::create(path_);
  auto reader = KeyStore::open_reader(path_);
  EXPECT_EQ(kind_of([&] { reader.transaction([] {}); }), ErrorKind::internal);
  EXPECT_EQ(kind_of([&] { reader.add_key(key("example.com", "s1")); }), ErrorKind::internal);
  EXPECT_EQ(kind_of([&] { reader.delete_user("u1"); }), ErrorKind::internal);
  EXPECT_FALSE(reader.has_selector("example.com", "s1"));
}

TEST_F(KeyStoreTest, FileThatIsNotADatabaseIsNamedSo) {
  {
    std::ofstream out(path_, std::ios::binary);
    out << std::string(8192, 'x');
  }
  ::chmod(path_.c_str(), 0600);
  for (auto open : {&KeyStore::open_reader, &KeyStore::open_writer}) {
    std::string why = message_of([&] { open(path_); });
    EXPECT_NE(why.find("is not a SQLite database"), std::string::npos) << why;
    EXPECT_EQ(why.find("-wal"), std::string::npos) << why;
  }
}

TEST_F(KeyStoreTest, ReaderRefusesMissingFile) {
  EXPECT_EQ(kind_of([&] { KeyStore::open_reader(path_); }), ErrorKind::config);
  EXPECT_EQ(kind_of([&] { KeyStore::open_writer(path_); }), ErrorKind::config);
}

TEST_F(KeyStoreTest, ReaderRefusesFileOthersCanRead) {
  KeyStore::create(path_);
  ASSERT_EQ(::chmod(path_.c_str(), 0644), 0);
  EXPECT_EQ(kind_of([&] { KeyStore::open_reader(path_); }), ErrorKind::config);
  ASSERT_EQ(::chmod(path_.c_str(), 0604), 0);
  EXPECT_EQ(kind_of([&] { KeyStore::open_reader(path_); }), ErrorKind::config);
  ASSERT_EQ(::chmod(path_.c_str(), 0640), 0);
  EXPECT_NO_THROW(KeyStore::open_reader(path_));
}

TEST_F(KeyStoreTest, ReaderRefusesUninitialisedAndNewerSchema) {
  { std::ofstream(path_).flush(); }
  ::chmod(path_.c_str(), 0600);
  EXPECT_EQ(kind_of([&] { KeyStore::open_reader(path_); }), ErrorKind::config);
  KeyStore::open_writer(path_);  // migrates the empty (version 0) file
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    SqlitePtr raw(db);
    exec(db, "PRAGMA user_version = " + std::to_string(current_schema_version() + 1));
  }
  EXPECT_EQ(kind_of([&] { KeyStore::open_reader(path_); }), ErrorKind::config);
  EXPECT_EQ(kind_of([&] { KeyStore::open_writer(path_); }), ErrorKind::config);
}

TEST_F(KeyStoreTest, ReaderReportsCorruptFileAsTemporary) {
  {
    std::ofstream out(path_, std::ios::binary);
    out << std::string(8192, 'x');
  }
  ::chmod(path_.c_str(), 0600);
  EXPECT_EQ(kind_of([&] { KeyStore::open_reader(path_); }), ErrorKind::temporary);
}

TEST_F(KeyStoreTest, MigratesFromVersionZero) {
  { std::ofstream(path_).flush(); }
  ::chmod(path_.c_str(), 0640);
  auto store = KeyStore::open_writer(path_);
  EXPECT_EQ(store.schema_version(), current_schema_version());
  store.transaction([&] { store.add_key(key("example.com", "s1")); });
  auto again = KeyStore::open_writer(path_);  // already current: nothing to do, data kept
  EXPECT_TRUE(again.has_key("example.com", "s1"));
  EXPECT_EQ(KeyStore::open_reader(path_).schema_version(), current_schema_version());
}

// Schema 2 adds the published public key; rows made under schema 1 get it
// derived from their private key, and a row whose key does not load keeps
// '' (the filter refuses that key) without failing the migration.
TEST_F(KeyStoreTest, MigrationTwoFillsPublicKeysOfExistingRows) {
  auto rsa = crypto::PrivateKey::generate(crypto::KeyType::rsa, 1024);
  auto ed = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr),
              SQLITE_OK);
    SqlitePtr raw(db);
    exec(db, std::string(migrations().front().sql));
    exec(db, "PRAGMA user_version = 1");
    Statement st(
        db,
        "INSERT INTO keys (domain, selector, type, bits, private_pem, created) VALUES (?1, ?2, ?3, 0, "
        "?4, 0)");
    st.bind(1, "example.com").bind(2, "rsa").bind(3, "rsa").bind(4, rsa.to_pem()).run();
    st.bind(1, "example.com").bind(2, "ed").bind(3, "ed25519").bind(4, ed.to_pem()).run();
    st.bind(1, "example.com").bind(2, "bad").bind(3, "rsa").bind(4, "not a key").run();
  }
  ::chmod(path_.c_str(), 0640);
  KeyStore::open_writer(path_);
  auto reader = KeyStore::open_reader(path_);
  EXPECT_EQ(reader.schema_version(), current_schema_version());
  EXPECT_EQ(reader.find_key("example.com", "rsa")->public_key, rsa.public_key().dns_value());
  EXPECT_EQ(reader.find_key("example.com", "ed")->public_key, ed.public_key().dns_value());
  EXPECT_EQ(reader.find_key("example.com", "bad")->public_key, "");
}

TEST_F(KeyStoreTest, ReaderDoesNotWrite) {
  KeyStore::create(path_);
  auto reader = KeyStore::open_reader(path_);
  EXPECT_THROW(reader.transaction([] {}), Error);
  EXPECT_THROW(reader.add_key(key("example.com", "s1")), Error);
}

TEST_F(KeyStoreTest, FindsKeys) {
  auto store = KeyStore::create(path_);
  auto k = key("example.com", "s1", "secret-pem");
  k.type = crypto::KeyType::ed25519;
  k.canon = "simple/simple";
  store.transaction([&] { store.add_key(k); });
  auto reader = KeyStore::open_reader(path_);
  auto found = reader.find_key("example.com", "s1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->private_pem, "secret-pem");
  EXPECT_EQ(found->type, crypto::KeyType::ed25519);
  EXPECT_EQ(found->canon, "simple/simple");
  EXPECT_GT(found->created, 0);
  EXPECT_TRUE(reader.has_key("example.com", "s1"));
  EXPECT_FALSE(reader.has_key("example.com", "s2"));
  EXPECT_FALSE(reader.find_key("example.org", "s1"));
  auto listed = store.list_keys();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_TRUE(listed[0].private_pem.empty());  // listings never carry key bytes
  EXPECT_EQ(store.list_keys("example.com").size(), 1u);
  EXPECT_EQ(store.list_keys("example.org").size(), 0u);
}

TEST_F(KeyStoreTest, FailedTransactionChangesNothing) {
  auto store = KeyStore::create(path_);
  store.transaction([&] { store.add_key(key("example.com", "s1")); });
  EXPECT_EQ(kind_of([&] {
              store.transaction([&] {
                store.add_key(key("example.com", "s2"));
                store.add_key(key("example.com", "s1"));  // duplicate: refused
              });
            }),
            ErrorKind::data);
  EXPECT_FALSE(store.has_key("example.com", "s2"));
  EXPECT_EQ(store.list_keys().size(), 1u);
}

TEST_F(KeyStoreTest, FindsLoginAndDomainUsers) {
  auto store = KeyStore::create(path_);
  store.transaction([&] {
    store.put_user(user("alice@example.com", policy::UserKind::login, "example.com", {"s1", "s2"}), -1,
                   false);
    store.put_user(user("example.org", policy::UserKind::domain, "example.org", {}), -1, false);
    store.put_user(user("192.0.2.0/24", policy::UserKind::ip, "example.net", {"s1"}), 24, false);
  });
  auto reader = KeyStore::open_reader(path_);
  auto alice = reader.user_by_login("Alice@EXAMPLE.com");
  ASSERT_TRUE(alice);
  EXPECT_EQ(alice->name, "alice@example.com");
  EXPECT_EQ(alice->selectors, (std::vector<std::string>{"s1", "s2"}));
  auto org = reader.user_by_login("example.org");
  ASSERT_TRUE(org);
  EXPECT_EQ(org->kind, policy::UserKind::domain);
  EXPECT_TRUE(org->selectors.empty());
  EXPECT_FALSE(reader.user_by_login("bob@example.com"));
  EXPECT_FALSE(reader.user_by_login("192.0.2.0/24"));  // IP users are not logins
}

TEST_F(KeyStoreTest, IpUserIsTheMostSpecificRange) {
  auto store = KeyStore::create(path_);
  store.transaction([&] {
    store.put_user(user("0.0.0.0/0", policy::UserKind::ip, "any.example", {}), 0, false);
    store.put_user(user("192.0.2.0/24", policy::UserKind::ip, "wide.example", {}), 24, false);
    store.put_user(user("192.0.2.128/25", policy::UserKind::ip, "narrow.example", {}), 25, false);
    store.put_user(user("192.0.2.200", policy::UserKind::ip, "host.example", {}), 32, false);
    store.put_user(user("2001:db8::/32", policy::UserKind::ip, "v6.example", {}), 32, false);
    store.put_user(user("2001:db8:1::/48", policy::UserKind::ip, "v6narrow.example", {}), 48, false);
  });
  auto r = KeyStore::open_reader(path_);
  auto domain_for = [&](const char* ip) {
    auto u = r.user_by_ip(ip);
    return u ? u->domain : std::string("none");
  };
  EXPECT_EQ(domain_for("192.0.2.200"), "host.example");
  EXPECT_EQ(domain_for("192.0.2.201"), "narrow.example");
  EXPECT_EQ(domain_for("192.0.2.1"), "wide.example");
  EXPECT_EQ(domain_for("::ffff:192.0.2.1"), "wide.example");
  EXPECT_EQ(domain_for("198.51.100.1"), "any.example");
  EXPECT_EQ(domain_for("2001:db8:1:2::5"), "v6narrow.example");
  EXPECT_EQ(domain_for("2001:DB8:2::5"), "v6.example");
  EXPECT_EQ(domain_for("2001:db9::1"), "none");
  EXPECT_EQ(domain_for("not-an-ip"), "none");
  EXPECT_EQ(domain_for("192.0.2.0/24"), "none");  // an address, not a range, is looked up
}

TEST_F(KeyStoreTest, LookupsStayIndexedWithTenThousandRows) {
  auto store = KeyStore::create(path_);
  store.transaction([&] {
    for (int i = 0; i < 10000; ++i) {
      std::string domain = "d" + std::to_string(i) + ".example";
      store.add_key(key(domain, "s1"));
      store.put_user(user("u" + std::to_string(i) + "@" + domain, policy::UserKind::login, domain, {"s1"}),
                     -1, false);
      std::string ip = "10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".0/24";
      store.put_user(user(ip, policy::UserKind::ip, domain, {"s1"}), 24, false);
    }
  });
  auto r = KeyStore::open_reader(path_);
  auto plans = r.lookup_query_plans();
  ASSERT_EQ(plans.size(), 3u);
  for (size_t i = 0; i < plans.size(); ++i) {
    const auto& plan = plans[i];
    EXPECT_NE(plan.find("SEARCH"), std::string::npos) << plan;
    // Keys are found by slot through the partial unique index of active
    // keys; users by their primary key.
    EXPECT_NE(plan.find(i < 1 ? "keys_active_slot" : "PRIMARY KEY"), std::string::npos) << plan;
    EXPECT_EQ(plan.find("SCAN"), std::string::npos) << plan;
  }
  EXPECT_TRUE(r.has_key("d9999.example", "s1"));
  EXPECT_EQ(r.user_by_login("u5000@d5000.example")->domain, "d5000.example");
  EXPECT_EQ(r.user_by_ip("10.39.15.77")->domain, "d9999.example");  // 9999 = 39 * 256 + 15
}

// The filter decides and loads its keys in one read transaction; when it
// ends (committed or rolled back on an error), writers go on.
TEST_F(KeyStoreTest, ReadTransactionEndsEitherWay) {
  auto store = KeyStore::create(path_);
  store.transaction([&] { store.add_key(key("example.com", "s1")); });
  auto reader = KeyStore::open_reader(path_);
  bool found = false;
  reader.read_transaction(
      [&] { found = reader.has_key("example.com", "s1") && reader.find_key("example.com", "s1"); });
  EXPECT_TRUE(found);
  EXPECT_THROW(reader.read_transaction([&] {
    reader.has_key("example.com", "s1");
    throw Error(ErrorKind::temporary, "test: failure inside");
  }),
               Error);
  // No read lock is left behind: a writer commits at once (it would fail
  // with "database is locked" after the busy timeout otherwise).
  store.transaction([&] { EXPECT_TRUE(store.delete_key("example.com", "s1")); });
  reader.read_transaction([&] { EXPECT_FALSE(reader.has_key("example.com", "s1")); });
}

}  // namespace
}  // namespace dkim::db
