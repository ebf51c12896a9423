// SPDX-License-Identifier: MIT
#include "filter/crypto/key.h"

#include <gtest/gtest.h>

#include "../test_util.h"
#include "filter/base/error.h"
#include "filter/crypto/base64.h"

namespace dkim::crypto {
namespace {

std::string error_of(const std::string& pem) {
  try {
    PrivateKey::from_pem(pem);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::config);
    return e.what();
  }
  return "";
}

TEST(PrivateKey, RoundTripsThroughPem) {
  for (auto type : {KeyType::rsa, KeyType::ed25519}) {
    auto key = PrivateKey::generate(type, 1024);
    auto again = PrivateKey::from_pem(key.to_pem());
    EXPECT_EQ(again.type(), type);
    EXPECT_EQ(again.public_key().dns_value(), key.public_key().dns_value());
    auto digest = sha256("message");
    EXPECT_TRUE(key.public_key().verify_digest(digest, again.sign_digest(digest)));
    auto other = sha256("other");
    EXPECT_FALSE(key.public_key().verify_digest(other, again.sign_digest(digest)));
  }
}

TEST(PrivateKey, RefusesWhatIsNotAUsablePrivateKey) {
  EXPECT_NE(error_of("garbage").find("not a PEM"), std::string::npos);
  EXPECT_NE(error_of("").find("not a PEM"), std::string::npos);
  auto key = PrivateKey::generate(KeyType::rsa, 1024);
  std::string pub =
      "-----BEGIN PUBLIC KEY-----\n" + key.public_key().dns_value() + "\n-----END PUBLIC KEY-----\n";
  EXPECT_NE(error_of(pub).find("public key"), std::string::npos);
  EXPECT_NE(error_of("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").find("certificate"),
            std::string::npos);
}

TEST(PrivateKey, RefusesRsaUnder1024Bits) {
  std::string weak = test::read_file(test::vector_path("rsa-512.pem"));
  ASSERT_NE(weak.find("BEGIN PRIVATE KEY"), std::string::npos);
  std::string msg = error_of(weak);
  EXPECT_NE(msg.find("512 bits refused"), std::string::npos) << msg;
}

// e = 1 makes the signature the padded digest in the clear; e = 3 is below
// NIST SP 800-89's 2^16 < e. Both are refused on every load, with a reason.
TEST(PrivateKey, RefusesDegenerateRsaExponents) {
  for (const char* file : {"rsa-e1.pem", "rsa-e3.pem"}) {
    std::string pem = test::read_file(test::vector_path(file));
    ASSERT_NE(pem.find("BEGIN RSA PRIVATE KEY"), std::string::npos) << file;
    std::string msg = error_of(pem);
    EXPECT_NE(msg.find("public exponent"), std::string::npos) << file << ": " << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
  EXPECT_NE(error_of(test::read_file(test::vector_path("rsa-e1.pem"))).find("exponent 1 refused"),
            std::string::npos);
}

TEST(PrivateKey, RefusesInconsistentRsaCrtValues) {
  std::string msg = error_of(test::read_file(test::vector_path("rsa-bad-crt.pem")));
  EXPECT_NE(msg.find("inconsistent"), std::string::npos) << msg;
}

TEST(PrivateKey, ThoroughCheckAcceptsGoodKeys) {
  for (auto type : {KeyType::rsa, KeyType::ed25519}) {
    auto key = PrivateKey::generate(type, 2048);
    EXPECT_NO_THROW(PrivateKey::from_pem(key.to_pem(), true));
  }
  EXPECT_NO_THROW(PrivateKey::from_pem(test::read_file(test::vector_path("rsa-1024-pkcs1.pem")), true));
}

TEST(PrivateKey, ReadsPkcs1) {
  auto key = PrivateKey::from_pem(test::read_file(test::vector_path("rsa-1024-pkcs1.pem")));
  EXPECT_EQ(key.type(), KeyType::rsa);
  EXPECT_EQ(key.bits(), 1024);
}

TEST(PublicKey, FromDnsValue) {
  auto key = PrivateKey::generate(KeyType::ed25519);
  auto pub = PublicKey::from_dns_value(KeyType::ed25519, key.public_key().dns_value());
  auto digest = sha256("x");
  EXPECT_TRUE(pub.verify_digest(digest, key.sign_digest(digest)));
  EXPECT_THROW(PublicKey::from_dns_value(KeyType::ed25519, "AAAA"), Error);
  EXPECT_THROW(PublicKey::from_dns_value(KeyType::rsa, "!!!"), Error);
}

TEST(Base64, RoundTripAndRejects) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    auto enc = base64_encode(s);
    EXPECT_EQ(base64_decode(enc), s);
  }
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_decode("Zm9v\r\n YmFy"), "foobar");
  EXPECT_FALSE(base64_decode("Zm9v!"));
  EXPECT_FALSE(base64_decode("Zm9"));
  EXPECT_FALSE(base64_decode("Zg==Zg=="));
}

}  // namespace
}  // namespace dkim::crypto
