// SPDX-License-Identifier: MIT
#include "filter/policy/user_name.h"

#include <gtest/gtest.h>

namespace dkim::policy {
namespace {

TEST(UserName, RecognisesKindsBySyntax) {
  auto login = parse_user_name("Alice@Example.COM.");
  ASSERT_TRUE(login);
  EXPECT_EQ(login->name, "alice@example.com");
  EXPECT_EQ(login->kind, UserKind::login);
  EXPECT_EQ(login->domain, "example.com");
  auto wildcard = parse_user_name("*@Example.com");
  ASSERT_TRUE(wildcard);
  EXPECT_EQ(wildcard->name, "*@example.com");
  EXPECT_TRUE(is_mailbox_wildcard(wildcard->name));
  auto domain = parse_user_name("Example.com");
  ASSERT_TRUE(domain);
  EXPECT_EQ(domain->kind, UserKind::domain);
  auto ip = parse_user_name("2001:DB8::/32");
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip->kind, UserKind::ip);
  EXPECT_EQ(ip->name, "2001:db8::/32");
  EXPECT_EQ(ip->prefix, 32);
}

TEST(UserName, NamesTheProblem) {
  std::string why;
  EXPECT_FALSE(parse_user_name("@example.com", &why));
  EXPECT_EQ(why, "login '@example.com' has an empty local part");
  EXPECT_FALSE(parse_user_name("a b@example.com", &why));
  EXPECT_EQ(why, "login 'a b@example.com' contains a space, control character or second '@'");
  EXPECT_FALSE(parse_user_name("alice", &why));
  EXPECT_EQ(why, "domain name 'alice' needs at least two labels");
  EXPECT_FALSE(parse_user_name("192.0.2.1/24", &why));
  EXPECT_EQ(why, "'192.0.2.1/24' has host bits set; did you mean 192.0.2.0/24?");
  EXPECT_FALSE(parse_user_name(""));  // no problem pointer: still no throw
}

TEST(UserName, BareLogin) {
  auto bare = parse_bare_login("Alice", "Example.COM");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->name, "alice");
  EXPECT_EQ(bare->kind, UserKind::login);
  EXPECT_EQ(bare->domain, "example.com");
  std::string why;
  EXPECT_FALSE(parse_bare_login("al ice", "example.com", &why));
  EXPECT_EQ(why, "bare login 'al ice': contains a space, control character or second '@'");
  EXPECT_FALSE(parse_bare_login("alice", "localhost", &why));
  EXPECT_FALSE(parse_bare_login("*", "example.com", &why));
  EXPECT_EQ(why, "'*' is not a login; a mailbox wildcard is written *@DOMAIN");
}

TEST(UserName, LookupNames) {
  EXPECT_EQ(login_lookup_name("Bob@Example.com"), "bob@example.com");
  EXPECT_EQ(login_lookup_name("Example.com"), "example.com");
  EXPECT_EQ(login_lookup_name("Alice"), "alice");  // a bare login
  EXPECT_FALSE(login_lookup_name("192.0.2.1"));    // an address is no login
  EXPECT_FALSE(login_lookup_name("a b"));
  EXPECT_FALSE(login_lookup_name("a@b@"));
  EXPECT_FALSE(login_lookup_name(""));
}

TEST(UserName, WildcardFor) {
  EXPECT_EQ(mailbox_wildcard_for("alice@example.com"), "*@example.com");
  EXPECT_FALSE(mailbox_wildcard_for("*@example.com"));
  EXPECT_FALSE(mailbox_wildcard_for("alice"));
  EXPECT_FALSE(mailbox_wildcard_for("@example.com"));
  EXPECT_FALSE(is_mailbox_wildcard("alice@example.com"));
  EXPECT_FALSE(is_mailbox_wildcard("*@"));
}

}  // namespace
}  // namespace dkim::policy
