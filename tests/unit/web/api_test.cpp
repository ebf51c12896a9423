// SPDX-License-Identifier: MIT
#include "web/api.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "db/keystore.h"
#include "filter/base/error.h"

namespace dkim::web {
namespace {

namespace fs = std::filesystem;

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "api-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    config_.db_path = dir_ + "/dkim.db";
    config_.log_stderr = true;
    db::KeyStore::create(config_.db_path);
    shop_.name = "shop";
    shop_.domains = {"example.com"};
    root_.name = "root";
  }
  void TearDown() override { fs::remove_all(dir_); }

  Response call(const db::Token& token, const std::string& method, const std::string& target,
                const std::string& body = "") {
    Request r;
    r.method = method;
    r.target = target;
    r.body = body;
    return handle_api(config_, r, token);
  }

  std::string dir_;
  ApiConfig config_;
  db::Token shop_, root_;
};

TEST(ApiStatus, MapsTheSharedRefusals) {
  EXPECT_EQ(status_for(Error(ErrorKind::usage, "x")), 400);
  EXPECT_EQ(status_for(Error(ErrorKind::data, "keystore: no key for selector s of domain d")), 404);
  EXPECT_EQ(status_for(Error(ErrorKind::data, "user set: no user a@b")), 404);
  EXPECT_EQ(status_for(Error(ErrorKind::data, "keystore: user a@b already exists")), 409);
  EXPECT_EQ(status_for(Error(ErrorKind::data, "key import: public exponent 1 refused")), 400);
  EXPECT_EQ(status_for(Error(ErrorKind::temporary, "locked")), 503);
  EXPECT_EQ(status_for(Error(ErrorKind::config, "missing")), 503);
  EXPECT_EQ(status_for(std::runtime_error("bug")), 500);
}

// The lifecycle's refusals (db/admin/lifecycle.cpp): the state forbids the
// step, 409; a slot without keys is not found.
TEST(ApiStatus, MapsTheLifecycleRefusals) {
  for (const char* conflict :
       {"key rotate: slot s1 of example.com already has a pending key s2 (activate or delete it first)",
        "key rotate: domain example.com uses or used selector s1 already; a new key needs a new selector",
        "key activate: s1._domainkey.example.com is already active",
        "key activate: s1._domainkey.example.com is revoked; rotate to a new key instead",
        "key activate: s2._domainkey.example.com is not served by every server (x: no record); publish it "
        "and "
        "wait, or use --force",
        "key revoke: s1._domainkey.example.com is the active key of slot s1; rotate first, or use --force",
        "key delete: s1._domainkey.example.com is retired; rotate or revoke it first (key rotate, key "
        "revoke), "
        "or use --force"})
    EXPECT_EQ(status_for(Error(ErrorKind::data, conflict)), 409) << conflict;
  EXPECT_EQ(status_for(Error(ErrorKind::data,
                             "key rotate: domain example.com has no key in slot x (key "
                             "generate example.com x makes its first)")),
            404);
}

TEST_F(ApiTest, EveryErrorIsAJsonObject) {
  for (const auto& [method, target, body] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"GET", "/api/v1/nothing", ""},
           {"POST", "/api/v1/keys", "{"},
           {"POST", "/api/v1/keys", "[]"},
           {"POST", "/api/v1/keys", "{\"domain\": 1}"},
           {"GET", "/api/v1/keys/example.com/s%201", ""},
           {"GET", "/api/v1/keys/-bad-/s1", ""},
           {"PUT", "/api/v1/users/a@example.com", "{}"},
       }) {
    Response r = call(shop_, method, target, body);
    EXPECT_GE(r.status, 400) << target;
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    ASSERT_TRUE(j.is_object()) << r.body;
    EXPECT_TRUE(j["error"].is_string()) << r.body;
  }
}

TEST_F(ApiTest, DomainTokenStaysInItsDomain) {
  EXPECT_EQ(call(root_, "POST", "/api/v1/users", R"({"user": "bob@other.org"})").status, 201);
  EXPECT_EQ(call(shop_, "GET", "/api/v1/users/bob@other.org").status, 404);
  EXPECT_EQ(call(shop_, "DELETE", "/api/v1/users/bob@other.org").status, 404);
  EXPECT_EQ(call(shop_, "POST", "/api/v1/users", R"({"user": "eve@other.org"})").status, 403);
  EXPECT_EQ(call(shop_, "POST", "/api/v1/users", R"({"user": "192.0.2.1", "domain": "other.org"})").status,
            403);
  EXPECT_EQ(call(shop_, "POST", "/api/v1/users", R"({"user": "192.0.2.1", "domain": "example.com"})").status,
            201);
  EXPECT_EQ(call(shop_, "GET", "/api/v1/users/192.0.2.1").status, 200);
  EXPECT_EQ(call(root_, "GET", "/api/v1/users/bob@other.org").status, 200);
}

TEST_F(ApiTest, LifecycleSteps) {
  ASSERT_EQ(
      call(root_, "POST", "/api/v1/keys", R"({"domain": "example.com", "selector": "s1", "bits": 1024})")
          .status,
      201);
  EXPECT_EQ(call(shop_, "POST", "/api/v1/keys/example.com/s1/rotate", R"({"to": "s2", "bits": 1024})").status,
            201);
  EXPECT_EQ(call(shop_, "POST", "/api/v1/keys/example.com/s1/rotate", "").status, 409);
  EXPECT_EQ(call(shop_, "POST", "/api/v1/keys/example.com/s2/activate", R"({"force": true})").status, 200);
  auto keys = db::KeyStore::open_writer(config_.db_path).list_keys("example.com");
  ASSERT_EQ(keys.size(), 2u);
  for (const auto& k : keys)
    EXPECT_EQ(k.state, k.selector == "s2" ? db::KeyState::active : db::KeyState::retired) << k.selector;
  EXPECT_EQ(call(shop_, "DELETE", "/api/v1/keys/example.com/s1").status, 409);
  EXPECT_EQ(call(shop_, "POST", "/api/v1/keys/example.com/s1/revoke", "").status, 200);
  EXPECT_EQ(call(shop_, "DELETE", "/api/v1/keys/example.com/s1").status, 200);
}

// Delegation mode: the API's first key of a slot is SLOT-a, its record in
// the provider's zone, with the CNAMEs the domain publishes once, as
// dkim-filter-admin's key generate prints them.
TEST_F(ApiTest, DelegatedFirstKey) {
  config_.lifecycle.delegate_zone = "dkim.provider.test";
  Response r =
      call(shop_, "POST", "/api/v1/keys", R"({"domain": "example.com", "selector": "s1", "bits": 1024})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto out = nlohmann::json::parse(r.body);
  EXPECT_EQ(out["selector"], "s1-a");
  EXPECT_EQ(out["slot"], "s1");
  EXPECT_EQ(out["dns"]["name"], "s1-a.example.com.dkim.provider.test");
  EXPECT_EQ(out["dns"]["cnames"],
            nlohmann::json::array({
                "s1-a._domainkey.example.com. IN CNAME s1-a.example.com.dkim.provider.test.",
                "s1-b._domainkey.example.com. IN CNAME s1-b.example.com.dkim.provider.test.",
            }));
  auto key = db::KeyStore::open_writer(config_.db_path).find_signing_key("example.com", "s1");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->selector, "s1-a");
}

TEST_F(ApiTest, ReadOnlyTokenWritesNothing) {
  db::Token ro = shop_;
  ro.read_only = true;
  EXPECT_EQ(call(ro, "POST", "/api/v1/users", R"({"user": "a@example.com"})").status, 403);
  EXPECT_EQ(call(ro, "GET", "/api/v1/users").status, 200);
  EXPECT_EQ(db::KeyStore::open_writer(config_.db_path).list_users().size(), 0u);
}

}  // namespace
}  // namespace dkim::web
