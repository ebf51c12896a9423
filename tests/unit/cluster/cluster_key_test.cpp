// SPDX-License-Identifier: MIT
#include "db/cluster/cluster_key.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "filter/base/error.h"

namespace dkim::cluster {
namespace {

class ClusterKey : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cluster_key_test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    for (const char* f : {"/k", "/w"}) ::unlink((dir_ + f).c_str());
    ::rmdir(dir_.c_str());
  }
  std::string write(const std::string& text, mode_t mode) {
    std::string path = dir_ + "/w";
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
    return path;
  }
  std::string message_of(const std::string& path) {
    try {
      load_cluster_key(path);
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::config);
      return e.what();
    }
    return "";
  }
  std::string dir_;
};

TEST_F(ClusterKey, CreateMakesA0640FileThatLoads) {
  std::string path = dir_ + "/k";
  create_cluster_key(path);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(load_cluster_key(path).size(), 32u);
  EXPECT_THROW(create_cluster_key(path), Error);  // never overwritten
}

TEST_F(ClusterKey, AcceptsHexAndBase64) {
  std::string hex(64, 'a');
  EXPECT_EQ(load_cluster_key(write(hex + "\n", 0640)), std::string(32, '\xaa'));
  EXPECT_EQ(load_cluster_key(write("qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqo=\n", 0600)),
            std::string(32, '\xaa'));
}

TEST_F(ClusterKey, RefusesWhatIsNotAKey) {
  EXPECT_NE(message_of(write("short\n", 0640)).find("not 32 bytes"), std::string::npos);
  EXPECT_NE(message_of(write(std::string(62, 'a'), 0640)).find("not 32 bytes"), std::string::npos);
  EXPECT_NE(message_of(write(std::string(64, 'a'), 0644)).find("accessible by others"), std::string::npos);
  EXPECT_NE(message_of(dir_ + "/missing").find("cannot read cluster key"), std::string::npos);
  EXPECT_NE(message_of("").find("no cluster key"), std::string::npos);
}

TEST_F(ClusterKey, KeyCheckTellsTheRightKeyFromAnother) {
  std::string key(32, 'k'), other(32, 'o');
  std::string check = make_key_check(key);
  EXPECT_TRUE(key_check_matches(key, check));
  EXPECT_FALSE(key_check_matches(other, check));
}

TEST_F(ClusterKey, APrivateKeyOpensOnlyForItsOwnRow) {
  std::string key(32, 'k');
  std::string sealed = seal_private_key(key, "example.com", "s1", "PEM");
  EXPECT_EQ(open_private_key(key, "example.com", "s1", sealed), "PEM");
  EXPECT_THROW(open_private_key(key, "example.com", "s2", sealed), Error);
  EXPECT_THROW(open_private_key(key, "example.org", "s1", sealed), Error);
  // "a.b" + "c" and "a" + "b.c" must not share associated data.
  EXPECT_NE(key_aad("a.b", "c"), key_aad("a", "b.c"));
  try {
    open_private_key(std::string(32, 'x'), "example.com", "s1", sealed);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("s1._domainkey.example.com does not decrypt"), std::string::npos);
    EXPECT_EQ(std::string(e.what()).find("PEM"), std::string::npos);
  }
}

}  // namespace
}  // namespace dkim::cluster
