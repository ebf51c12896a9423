// SPDX-License-Identifier: MIT
#include "db/tokens.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "db/keystore.h"
#include "db/sqlite.h"
#include "filter/base/error.h"
#include "filter/crypto/secret.h"

namespace dkim::db {
namespace {

namespace fs = std::filesystem;

class TokensTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "tokens-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/dkim.db";
    KeyStore::create(path_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_, path_;
};

TEST_F(TokensTest, AddPrintsATokenThatAuthenticates) {
  auto table = TokenTable::open(path_);
  std::string token = table.add("shop", {"Example.COM", "example.com", "b.example"}, true);
  EXPECT_EQ(token.rfind("dkf_", 0), 0u);
  EXPECT_EQ(token.size(), 4u + 43u);  // 32 bytes in unpadded base64url
  auto found = table.authenticate(token);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->name, "shop");
  EXPECT_EQ(found->domains, (std::vector<std::string>{"example.com", "b.example"}));
  EXPECT_TRUE(found->read_only);
  EXPECT_TRUE(found->covers("example.com"));
  EXPECT_FALSE(found->covers("sub.example.com"));
  EXPECT_FALSE(found->is_admin());
  EXPECT_FALSE(table.authenticate(token + "x"));
  EXPECT_FALSE(table.authenticate(""));
  std::string other = token;
  other.back() = other.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(table.authenticate(other));
}

TEST_F(TokensTest, StoresOnlyTheHash) {
  auto table = TokenTable::open(path_);
  std::string token = table.add("root", {}, false);
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &raw), SQLITE_OK);
  SqlitePtr db(raw);
  Statement st(db.get(), "SELECT hash FROM tokens WHERE name = 'root'");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.text(0), crypto::sha256_hex(token));
  EXPECT_EQ(st.text(0).find(token.substr(4)), std::string::npos);
}

TEST_F(TokensTest, AdministratorTokenCoversEveryDomain) {
  auto table = TokenTable::open(path_);
  auto t = table.authenticate(table.add("root", {}, false));
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->is_admin());
  EXPECT_TRUE(t->covers("anything.example"));
}

TEST_F(TokensTest, RefusesDuplicatesAndBadNames) {
  auto table = TokenTable::open(path_);
  table.add("a", {}, false);
  EXPECT_THROW(table.add("a", {}, false), Error);
  EXPECT_THROW(table.add("", {}, false), Error);
  EXPECT_THROW(table.add("has space", {}, false), Error);
  EXPECT_THROW(table.add(std::string(65, 'x'), {}, false), Error);
  EXPECT_THROW(table.add("b", {"not a domain!"}, false), Error);
  EXPECT_EQ(table.list().size(), 1u);
}

TEST_F(TokensTest, DeleteEndsTheToken) {
  auto table = TokenTable::open(path_);
  std::string token = table.add("gone", {"example.com"}, false);
  EXPECT_TRUE(table.remove("gone"));
  EXPECT_FALSE(table.remove("gone"));
  EXPECT_FALSE(table.authenticate(token));
}

TEST_F(TokensTest, TokensDiffer) {
  auto table = TokenTable::open(path_);
  EXPECT_NE(table.add("one", {}, false), table.add("two", {}, false));
}

}  // namespace
}  // namespace dkim::db
