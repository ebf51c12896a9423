// SPDX-License-Identifier: MIT
#include "filter/policy/decide.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace dkim::policy {
namespace {

/// An in-memory directory that records what decide() asked for.
class StubDirectory : public Directory {
 public:
  void add_user(UserRecord user) { users_[user.name] = std::move(user); }
  /// IP users are matched by exact address here; ranges are the keystore's.
  void add_ip_user(const std::string& address, UserRecord user) { ip_users_[address] = std::move(user); }
  void add_key(const std::string& domain, const std::string& selector) { keys_.insert({domain, selector}); }

  std::optional<UserRecord> user_by_login(std::string_view login) override {
    login_lookups.emplace_back(login);
    auto it = users_.find(std::string(login));
    if (it == users_.end()) return std::nullopt;
    return it->second;
  }
  std::optional<UserRecord> user_by_ip(std::string_view address) override {
    ip_lookups.emplace_back(address);
    auto it = ip_users_.find(std::string(address));
    if (it == ip_users_.end()) return std::nullopt;
    return it->second;
  }
  bool has_key(std::string_view domain, std::string_view selector) override {
    key_lookups.emplace_back(std::string(domain) + "/" + std::string(selector));
    return keys_.count({std::string(domain), std::string(selector)}) > 0;
  }

  std::vector<std::string> login_lookups, ip_lookups, key_lookups;

 private:
  std::map<std::string, UserRecord> users_;
  std::map<std::string, UserRecord> ip_users_;
  std::set<std::pair<std::string, std::string>> keys_;
};

UserRecord login_user(std::string name, std::string domain, std::vector<std::string> selectors) {
  UserRecord user;
  user.name = std::move(name);
  user.kind = UserKind::login;
  user.domain = std::move(domain);
  user.selectors = std::move(selectors);
  return user;
}

class Decide : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_.add_user(login_user("alice@example.com", "example.com", {"s1"}));
    directory_.add_key("example.com", "s1");
    request_.sasl_user = "alice@example.com";
    request_.from_values = {" Alice <alice@example.com>\r\n"};
  }
  Decision run() { return decide(request_, directory_); }

  StubDirectory directory_;
  Request request_;
};

std::vector<std::string> key_names(const Decision& decision) {
  std::vector<std::string> out;
  for (const KeyRef& key : decision.keys) out.push_back(key.domain + "/" + key.selector);
  return out;
}

void expect_not_signed(const Decision& decision, const std::string& reason) {
  EXPECT_FALSE(decision.sign);
  EXPECT_EQ(decision.reason, reason);
  EXPECT_TRUE(decision.keys.empty());
}

TEST_F(Decide, SignsForTheSaslUsersOwnDomain) {
  Decision d = run();
  EXPECT_TRUE(d.sign);
  EXPECT_EQ(d.reason, "signed");
  EXPECT_EQ(d.user, "alice@example.com");
  EXPECT_EQ(d.from_domain, "example.com");
  EXPECT_EQ(key_names(d), (std::vector<std::string>{"example.com/s1"}));
}

// Rule 1.
TEST_F(Decide, SaslUserIsLookedUpLowerCased) {
  request_.sasl_user = "Alice@EXAMPLE.com";
  Decision d = run();
  EXPECT_TRUE(d.sign) << d.reason;
  EXPECT_EQ(directory_.login_lookups, (std::vector<std::string>{"alice@example.com"}));
}

TEST_F(Decide, NoUserAtAll) {
  request_.sasl_user.clear();
  Decision d = run();
  expect_not_signed(d, "no-user");
  EXPECT_TRUE(d.user.empty());
}

TEST_F(Decide, IpUserWhenNoSaslUser) {
  UserRecord relay = login_user("192.0.2.0/24", "example.net", {"relay"});
  relay.kind = UserKind::ip;
  directory_.add_ip_user("192.0.2.7", relay);
  directory_.add_key("example.net", "relay");
  request_.sasl_user.clear();
  request_.client_ip = "192.0.2.7";
  request_.from_values = {" app@example.net"};
  Decision d = run();
  EXPECT_TRUE(d.sign) << d.reason;
  EXPECT_EQ(d.user, "192.0.2.0/24");
  EXPECT_EQ(key_names(d), (std::vector<std::string>{"example.net/relay"}));
  EXPECT_TRUE(directory_.login_lookups.empty());
}

TEST_F(Decide, ClientAddressIsCanonicalised) {
  UserRecord relay = login_user("2001:db8::/32", "example.net", {"relay"});
  directory_.add_ip_user("2001:db8::1", relay);
  directory_.add_ip_user("192.0.2.7", relay);
  directory_.add_key("example.net", "relay");
  request_.sasl_user.clear();
  request_.from_values = {" app@example.net"};
  for (const char* address : {"2001:DB8:0:0::1", "IPv6:2001:db8::1", "::ffff:192.0.2.7"}) {
    request_.client_ip = address;
    EXPECT_TRUE(run().sign) << address;
  }
  EXPECT_EQ(directory_.ip_lookups, (std::vector<std::string>{"2001:db8::1", "2001:db8::1", "192.0.2.7"}));
}

TEST_F(Decide, SaslUserWinsOverClientAddress) {
  directory_.add_ip_user("192.0.2.7", login_user("192.0.2.7", "example.net", {"relay"}));
  request_.client_ip = "192.0.2.7";
  Decision d = run();
  EXPECT_EQ(d.user, "alice@example.com");
  EXPECT_TRUE(directory_.ip_lookups.empty());
}

TEST_F(Decide, UnknownSaslUserDoesNotFallBack) {
  request_.sasl_user = "mallory@example.com";
  request_.client_ip = "192.0.2.7";
  request_.default_user = "alice@example.com";
  directory_.add_ip_user("192.0.2.7", login_user("192.0.2.7", "example.com", {"s1"}));
  Decision d = run();
  expect_not_signed(d, "unknown-user");
  EXPECT_EQ(d.user, "mallory@example.com");
  EXPECT_TRUE(directory_.ip_lookups.empty());
}

TEST_F(Decide, DefaultUserWhenNoSaslUserAndNoIpUser) {
  request_.sasl_user.clear();
  request_.client_ip = "127.0.0.1";  // local submission, no IP user for it
  request_.default_user = "Alice@Example.com";
  Decision d = run();
  EXPECT_TRUE(d.sign) << d.reason;
  EXPECT_EQ(d.user, "alice@example.com");
  EXPECT_EQ(directory_.ip_lookups, (std::vector<std::string>{"127.0.0.1"}));
}

TEST_F(Decide, DefaultUserMayBeAnIpUser) {
  directory_.add_ip_user("127.0.0.1", login_user("127.0.0.0/8", "example.com", {"s1"}));
  request_.sasl_user.clear();
  request_.default_user = "127.0.0.1";
  Decision d = run();
  EXPECT_TRUE(d.sign) << d.reason;
  EXPECT_EQ(d.user, "127.0.0.0/8");
  EXPECT_TRUE(directory_.login_lookups.empty());
}

TEST_F(Decide, UnknownDefaultUser) {
  request_.sasl_user.clear();
  request_.default_user = "nobody@example.com";
  expect_not_signed(run(), "unknown-user");
}

TEST_F(Decide, ClientAddressWithoutIpUserOrDefault) {
  request_.sasl_user.clear();
  request_.client_ip = "198.51.100.9";
  Decision d = run();
  expect_not_signed(d, "unknown-user");
  EXPECT_EQ(d.user, "198.51.100.9");
}

TEST_F(Decide, GarbageClientAddressIsNoAddress) {
  request_.sasl_user.clear();
  request_.client_ip = "unknown";
  expect_not_signed(run(), "no-user");
  EXPECT_TRUE(directory_.ip_lookups.empty());
}

// Rule 2.
TEST_F(Decide, ReauthenticatingUser) {
  UserRecord user = login_user("alice@example.com", "example.com", {"s1"});
  user.reauthenticating = true;
  directory_.add_user(user);
  expect_not_signed(run(), "reauthenticating");
}

TEST_F(Decide, UserWithoutSelector) {
  directory_.add_user(login_user("alice@example.com", "example.com", {}));
  expect_not_signed(run(), "no-selector");
  directory_.add_user(login_user("alice@example.com", "example.com", {" ", ""}));
  expect_not_signed(run(), "no-selector");
}

// Rule 3.
TEST_F(Decide, FromProblems) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{}, "no-from"},
      {{" alice@example.com", " alice@example.com"}, "multiple-from"},
      {{" alice@example.com, bob@example.com"}, "multiple-addresses"},
      {{" team: alice@example.com;"}, "multiple-addresses"},
      {{" <alice@example.com"}, "unparsable-from"},
      {{std::string(" alice@exa\0mple.com", 19)}, "unparsable-from"},
      {{" alice@[192.0.2.1]"}, "invalid-from-domain"},
  };
  for (const auto& [values, reason] : cases) {
    request_.from_values = values;
    Decision d = run();
    expect_not_signed(d, reason);
    EXPECT_TRUE(d.from_domain.empty());
    EXPECT_EQ(d.user, "alice@example.com");
  }
}

TEST_F(Decide, FromDomainIsLowerCased) {
  request_.from_values = {" ALICE@EXAMPLE.COM"};
  Decision d = run();
  EXPECT_TRUE(d.sign) << d.reason;
  EXPECT_EQ(d.from_domain, "example.com");
}

// Rule 4.
TEST_F(Decide, ForeignDomain) {
  request_.from_values = {" ceo@other.example"};
  Decision d = run();
  expect_not_signed(d, "foreign-domain");
  EXPECT_EQ(d.from_domain, "other.example");
}

TEST_F(Decide, OwnDomainCheckIsLabelWise) {
  directory_.add_key("evil-example.com", "s1");
  request_.from_values = {" x@evil-example.com"};
  expect_not_signed(run(), "foreign-domain");
  request_.from_values = {" x@notexample.com"};
  expect_not_signed(run(), "foreign-domain");
}

TEST_F(Decide, SubdomainOfOwnDomainIsAllowed) {
  request_.from_values = {" alice@news.example.com"};
  Decision d = run();
  EXPECT_TRUE(d.sign) << d.reason;
  EXPECT_EQ(key_names(d), (std::vector<std::string>{"example.com/s1"}));
}

TEST_F(Decide, AnyDomainUserSignsForOthers) {
  UserRecord relay = login_user("relay.example.com", "relay.example.com", {"s1"});
  relay.kind = UserKind::domain;
  relay.any_domain = true;
  directory_.add_user(relay);
  directory_.add_key("customer.example", "s1");
  request_.sasl_user = "relay.example.com";
  request_.from_values = {" shop@customer.example"};
  Decision d = run();
  EXPECT_TRUE(d.sign) << d.reason;
  EXPECT_EQ(key_names(d), (std::vector<std::string>{"customer.example/s1"}));
}

TEST_F(Decide, UserWithoutOwnDomainSignsNothing) {
  directory_.add_user(login_user("alice@example.com", "", {"s1"}));
  expect_not_signed(run(), "foreign-domain");
}

// Rule 5.
TEST_F(Decide, ParentDomainFallback) {
  request_.from_values = {" alice@a.b.example.com"};
  Decision d = run();
  EXPECT_TRUE(d.sign) << d.reason;
  EXPECT_EQ(key_names(d), (std::vector<std::string>{"example.com/s1"}));
  EXPECT_EQ(d.from_domain, "a.b.example.com");
  EXPECT_EQ(directory_.key_lookups,
            (std::vector<std::string>{"a.b.example.com/s1", "b.example.com/s1", "example.com/s1"}));
}

TEST_F(Decide, MostSpecificKeyWins) {
  directory_.add_key("b.example.com", "s1");
  request_.from_values = {" alice@a.b.example.com"};
  EXPECT_EQ(key_names(run()), (std::vector<std::string>{"b.example.com/s1"}));
}

TEST_F(Decide, NeverABareTld) {
  UserRecord relay = login_user("relay", "relay.example", {"s1"});
  relay.any_domain = true;
  directory_.add_user(relay);
  directory_.add_key("com", "s1");
  request_.sasl_user = "relay";
  request_.from_values = {" x@shop.com"};
  expect_not_signed(run(), "no-key");
  for (const std::string& lookup : directory_.key_lookups) EXPECT_NE(lookup, "com/s1");
}

// A parent's key signs only up to the user's own domain: a customer on a
// subdomain never gets the parent's d= (and so never signs as another
// customer who owns the parent).
TEST_F(Decide, ParentWalkStopsAtTheUsersOwnDomain) {
  directory_.add_user(login_user("carol@shop.example.com", "shop.example.com", {"s1"}));
  request_.sasl_user = "carol@shop.example.com";
  request_.from_values = {" carol@shop.example.com"};
  Decision d = run();
  expect_not_signed(d, "no-key");
  EXPECT_EQ(directory_.key_lookups, (std::vector<std::string>{"shop.example.com/s1"}));
  request_.from_values = {" carol@eu.shop.example.com"};
  expect_not_signed(run(), "no-key");
  EXPECT_EQ(directory_.key_lookups.back(), "shop.example.com/s1");
  directory_.add_key("shop.example.com", "s1");
  EXPECT_EQ(key_names(run()), (std::vector<std::string>{"shop.example.com/s1"}));
}

TEST_F(Decide, ParentWalkStopsAtTheOwnDomainOfAnIpUser) {
  UserRecord app = login_user("192.0.2.7", "Shop.Example.COM", {"s1"});
  app.kind = UserKind::ip;
  directory_.add_ip_user("192.0.2.7", app);
  request_.sasl_user.clear();
  request_.client_ip = "192.0.2.7";
  request_.from_values = {" app@shop.example.com"};
  expect_not_signed(run(), "no-key");
}

TEST_F(Decide, AnyDomainUserKeepsTheWholeParentWalk) {
  UserRecord relay = login_user("relay@shop.example.com", "shop.example.com", {"s1"});
  relay.any_domain = true;
  directory_.add_user(relay);
  request_.sasl_user = "relay@shop.example.com";
  request_.from_values = {" x@shop.example.com"};
  EXPECT_EQ(key_names(run()), (std::vector<std::string>{"example.com/s1"}));
}

TEST(KeyDomains, FromTheFromDomainUpToTheOwnDomain) {
  using V = std::vector<std::string>;
  UserRecord user = login_user("carol@shop.example.com", "shop.example.com", {"s1"});
  EXPECT_EQ(key_domains(user, "a.b.shop.example.com"),
            (V{"a.b.shop.example.com", "b.shop.example.com", "shop.example.com"}));
  EXPECT_EQ(key_domains(user, "shop.example.com"), V{"shop.example.com"});
  EXPECT_EQ(key_domains(user, "example.com"), V{});
  EXPECT_EQ(key_domains(user, "evilshop.example.com"), V{});
  user.domain.clear();
  EXPECT_EQ(key_domains(user, "shop.example.com"), V{});
  user.any_domain = true;
  EXPECT_EQ(key_domains(user, "shop.example.com"), (V{"shop.example.com", "example.com"}));
}

TEST_F(Decide, NoKey) {
  directory_.add_user(login_user("alice@example.com", "example.com", {"other"}));
  Decision d = run();
  expect_not_signed(d, "no-key");
  EXPECT_EQ(d.from_domain, "example.com");
}

// Rule 6.
TEST_F(Decide, AlreadySignedForTheFromDomain) {
  request_.existing_signature_domains = {"example.org", "Example.COM"};
  expect_not_signed(run(), "already-signed");
}

TEST_F(Decide, AlreadySignedForTheFromDomainWhenTheKeyIsAParents) {
  request_.from_values = {" alice@news.example.com"};
  request_.existing_signature_domains = {"news.example.com."};
  expect_not_signed(run(), "already-signed");
}

TEST_F(Decide, AlreadySignedForTheKeyDomain) {
  request_.from_values = {" alice@news.example.com"};
  request_.existing_signature_domains = {"example.com"};
  expect_not_signed(run(), "already-signed");
}

TEST_F(Decide, OtherSignaturesDoNotStopSigning) {
  request_.existing_signature_domains = {"mailinglist.example", "evil-example.com"};
  EXPECT_TRUE(run().sign);
}

// Rule 7.
TEST_F(Decide, DualSignatureInSelectorOrder) {
  directory_.add_user(login_user("alice@example.com", "example.com", {"s2026ed", "s1"}));
  directory_.add_key("example.com", "s2026ed");
  Decision d = run();
  EXPECT_TRUE(d.sign) << d.reason;
  EXPECT_EQ(key_names(d), (std::vector<std::string>{"example.com/s2026ed", "example.com/s1"}));
}

TEST_F(Decide, OnlySelectorsWithAKeySign) {
  directory_.add_user(login_user("alice@example.com", "example.com", {"missing", "s1"}));
  EXPECT_EQ(key_names(run()), (std::vector<std::string>{"example.com/s1"}));
}

TEST_F(Decide, SelectorsAreTrimmedLowerCasedAndDeduplicated) {
  directory_.add_user(login_user("alice@example.com", "example.com", {" S1 ", "s1", "s2"}));
  directory_.add_key("example.com", "s2");
  EXPECT_EQ(key_names(run()), (std::vector<std::string>{"example.com/s1", "example.com/s2"}));
}

// A selector row is written into s= as it is: one that is not RFC 6376
// §3.1 syntax would inject a tag (";") or a header line (a line break).
TEST_F(Decide, InvalidStoredSelectorsAreSkippedAndReported) {
  const std::vector<std::string> hostile = {"s1; d=victim.example", "s1\r\nBcc: x@example.com", "s1\n",
                                            "bad_sel"};
  for (const std::string& bad : hostile) directory_.add_key("example.com", bad);  // even with a "key"
  std::vector<std::string> selectors = hostile;
  selectors.push_back("s2");
  directory_.add_key("example.com", "s2");
  directory_.add_user(login_user("alice@example.com", "example.com", selectors));
  Decision d = run();
  EXPECT_TRUE(d.sign) << d.reason;
  EXPECT_EQ(key_names(d), (std::vector<std::string>{"example.com/s2"}));
  EXPECT_EQ(d.bad_selectors, hostile);
  EXPECT_EQ(directory_.key_lookups, (std::vector<std::string>{"example.com/s2"}));
}

TEST_F(Decide, OnlyInvalidSelectorsIsNoKey) {
  directory_.add_key("example.com", "s1; d=victim.example");
  directory_.add_user(login_user("alice@example.com", "example.com", {"s1; d=victim.example"}));
  Decision d = run();
  expect_not_signed(d, "no-key");
  EXPECT_EQ(d.bad_selectors, (std::vector<std::string>{"s1; d=victim.example"}));
  EXPECT_TRUE(directory_.key_lookups.empty());
}

TEST_F(Decide, EachSelectorFallsBackOnItsOwn) {
  directory_.add_user(login_user("alice@example.com", "example.com", {"rsa", "ed"}));
  directory_.add_key("news.example.com", "rsa");
  directory_.add_key("example.com", "ed");
  request_.from_values = {" alice@news.example.com"};
  EXPECT_EQ(key_names(run()), (std::vector<std::string>{"news.example.com/rsa", "example.com/ed"}));
}

// The rules apply in order: the first one that stops gives the reason.
TEST_F(Decide, RulesApplyInOrder) {
  UserRecord user = login_user("alice@example.com", "example.com", {});
  user.reauthenticating = true;
  directory_.add_user(user);
  request_.from_values = {};
  expect_not_signed(run(), "reauthenticating");
  directory_.add_user(login_user("alice@example.com", "example.com", {}));
  expect_not_signed(run(), "no-selector");
  directory_.add_user(login_user("alice@example.com", "example.com", {"s1"}));
  expect_not_signed(run(), "no-from");
  request_.from_values = {" x@other.example"};
  EXPECT_TRUE(directory_.key_lookups.empty());
  expect_not_signed(run(), "foreign-domain");
  EXPECT_TRUE(directory_.key_lookups.empty());  // rule 4 before any key lookup
}

TEST_F(Decide, DirectoryErrorsPropagate) {
  class Failing : public StubDirectory {
    std::optional<UserRecord> user_by_login(std::string_view) override {
      throw std::runtime_error("keystore: database is locked");
    }
  } failing;
  EXPECT_THROW(decide(request_, failing), std::runtime_error);
}

// ---- mailbox wildcards and bare logins (dkim-filter(8) rule 1) ----------

TEST_F(Decide, MailboxWildcardSignsALoginWithoutARow) {
  directory_.add_user(login_user("*@example.com", "example.com", {"s1"}));
  request_.sasl_user = "bob@example.com";
  request_.from_values = {" <bob@example.com>"};
  Decision d = run();
  EXPECT_TRUE(d.sign) << d.reason;
  EXPECT_EQ(d.user, "*@example.com");
  EXPECT_EQ(directory_.login_lookups, (std::vector<std::string>{"bob@example.com", "*@example.com"}));
}

TEST_F(Decide, ListedLoginOverridesTheWildcard) {
  directory_.add_user(login_user("*@example.com", "example.com", {"s1"}));
  UserRecord carol = login_user("carol@example.com", "example.com", {});
  directory_.add_user(carol);
  request_.sasl_user = "Carol@example.com";
  expect_not_signed(run(), "no-selector");
  EXPECT_EQ(directory_.login_lookups, std::vector<std::string>{"carol@example.com"});
  carol.selectors = {"s1"};
  carol.reauthenticating = true;
  directory_.add_user(carol);
  expect_not_signed(run(), "reauthenticating");
}

TEST_F(Decide, WildcardIsForExactlyItsDomain) {
  directory_.add_user(login_user("*@example.com", "example.com", {"s1"}));
  request_.sasl_user = "dave@shop.example.com";
  request_.from_values = {" <dave@shop.example.com>"};
  expect_not_signed(run(), "unknown-user");
  EXPECT_EQ(directory_.login_lookups,
            (std::vector<std::string>{"dave@shop.example.com", "*@shop.example.com"}));
}

TEST_F(Decide, WildcardKeepsRuleFour) {
  directory_.add_user(login_user("*@example.com", "example.com", {"s1"}));
  directory_.add_key("example.org", "s1");
  request_.sasl_user = "bob@example.com";
  request_.from_values = {" <bob@example.org>"};
  expect_not_signed(run(), "foreign-domain");
}

TEST_F(Decide, BareLoginSignsForItsDomain) {
  directory_.add_user(login_user("alice", "example.com", {"s1"}));
  request_.sasl_user = "Alice";
  Decision d = run();
  EXPECT_TRUE(d.sign) << d.reason;
  EXPECT_EQ(d.user, "alice");
  // No '@': no wildcard to fall back on.
  request_.sasl_user = "bob";
  expect_not_signed(run(), "unknown-user");
}

}  // namespace
}  // namespace dkim::policy
