// SPDX-License-Identifier: MIT
#include "db/dns/tsig_key.h"

#include <gtest/gtest.h>

#include "filter/base/error.h"

namespace dkim::db::dns {
namespace {

constexpr const char* kSecret = "x9tZ3O7Q0yqkTt2zNFx4r7z0o0Y8bq+4xX/1Wb6f9fQ=";

TEST(TsigKey, ReadsTsigKeygenOutput) {
  // tsig-keygen(8)'s own layout.
  std::string text =
      std::string("key \"upd.example.\" {\n\talgorithm hmac-sha256;\n\tsecret \"") + kSecret + "\";\n};\n";
  TsigKey k = parse_tsig_key(text);
  EXPECT_EQ(k.name, "upd.example");
  EXPECT_EQ(k.algorithm, "hmac-sha256");
  EXPECT_EQ(k.secret, kSecret);
}

TEST(TsigKey, AcceptsCommentsAndAnyClauseOrder) {
  std::string text = std::string("# made by hand\nkey Upd { // the update key\n secret \"") + kSecret +
                     "\"; /* sha-512 */ algorithm HMAC-SHA512; };";
  TsigKey k = parse_tsig_key(text);
  EXPECT_EQ(k.name, "upd");
  EXPECT_EQ(k.algorithm, "hmac-sha512");
}

std::string error_of(const std::string& text) {
  try {
    parse_tsig_key(text);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::config);
    return e.what();
  }
  ADD_FAILURE() << "accepted: " << text;
  return {};
}

TEST(TsigKey, RefusesWhatIsNotOneUsableKey) {
  std::string s = kSecret;
  EXPECT_NE(error_of("").find("tsig: "), std::string::npos);
  EXPECT_NE(error_of("key \"k\" { algorithm hmac-md5; secret \"" + s + "\"; };").find("not supported"),
            std::string::npos);
  EXPECT_NE(error_of("key \"k\" { algorithm hmac-sha256; };").find("no secret"), std::string::npos);
  EXPECT_NE(error_of("key \"k\" { secret \"" + s + "\"; };").find("no algorithm"), std::string::npos);
  EXPECT_NE(error_of("key \"k\" { algorithm hmac-sha256; secret \"not base64!\"; };").find("base64"),
            std::string::npos);
  EXPECT_NE(
      error_of("key \"k\" { algorithm hmac-sha256; secret \"" + s + "\"; }; key \"j\" { };").find("one key"),
      std::string::npos);
  EXPECT_NE(error_of("key \"k\" { algorithm hmac-sha256; secret \"" + s + "\"; ").find("missing '}'"),
            std::string::npos);
  EXPECT_NE(error_of("key \"a b\" { algorithm hmac-sha256; secret \"" + s + "\"; };").find("domain name"),
            std::string::npos);
  EXPECT_NE(error_of("key \"k\" { algorithm hmac-sha256; secret \"" + s + "; };").find("unterminated"),
            std::string::npos);
}

TEST(TsigKey, ErrorsNeverShowTheSecret) {
  std::string text = std::string("key \"k\" { algorithm hmac-sha1; secret \"") + kSecret + "\"; };";
  EXPECT_EQ(error_of(text).find(kSecret), std::string::npos);
  EXPECT_EQ(error_of(std::string("key \"k\" { secret \"") + kSecret + "\"; bogus 1; };").find(kSecret),
            std::string::npos);
}

}  // namespace
}  // namespace dkim::db::dns
