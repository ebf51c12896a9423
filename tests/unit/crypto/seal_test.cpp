// SPDX-License-Identifier: MIT
#include "filter/crypto/seal.h"

#include <gtest/gtest.h>

#include "filter/crypto/base64.h"

namespace dkim::crypto {
namespace {

const std::string kKey(kSealKeyBytes, '\x42');
const std::string kPem = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI...\n-----END PRIVATE KEY-----\n";

TEST(Seal, RoundTrips) {
  std::string sealed = seal(kKey, kPem, "example.com\0s1");
  EXPECT_EQ(sealed.rfind("gcm1:", 0), 0u);
  EXPECT_EQ(sealed.find("PRIVATE KEY"), std::string::npos);
  auto opened = open_sealed(kKey, sealed, "example.com\0s1");
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, kPem);
}

TEST(Seal, EveryCallUsesAFreshNonce) { EXPECT_NE(seal(kKey, kPem, "a"), seal(kKey, kPem, "a")); }

TEST(Seal, EmptyPlaintextRoundTrips) {
  auto opened = open_sealed(kKey, seal(kKey, "", "a"), "a");
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, "");
}

TEST(Seal, WrongKeyDoesNotOpen) {
  std::string other = kKey;
  other[31] ^= 1;
  EXPECT_FALSE(open_sealed(other, seal(kKey, kPem, "a"), "a"));
}

TEST(Seal, WrongAssociatedDataDoesNotOpen) {
  std::string sealed = seal(kKey, kPem, std::string("example.com\0s1", 14));
  EXPECT_FALSE(open_sealed(kKey, sealed, std::string("example.com\0s2", 14)));
  EXPECT_FALSE(open_sealed(kKey, sealed, "example.com"));
  EXPECT_FALSE(open_sealed(kKey, sealed, ""));
}

TEST(Seal, EveryTamperedByteIsRefused) {
  std::string sealed = seal(kKey, "short secret", "a");
  auto raw = base64_decode(sealed.substr(5));
  ASSERT_TRUE(raw);
  for (size_t i = 0; i < raw->size(); ++i) {
    std::string bad = *raw;
    bad[i] ^= 0x01;
    EXPECT_FALSE(open_sealed(kKey, "gcm1:" + base64_encode(bad), "a")) << "byte " << i;
  }
}

TEST(Seal, MalformedValuesAreRefused) {
  std::string sealed = seal(kKey, kPem, "a");
  EXPECT_FALSE(open_sealed(kKey, "", "a"));
  EXPECT_FALSE(open_sealed(kKey, "gcm1:", "a"));
  EXPECT_FALSE(open_sealed(kKey, "gcm1:!!!", "a"));
  EXPECT_FALSE(open_sealed(kKey, "gcm2:" + sealed.substr(5), "a"));
  EXPECT_FALSE(open_sealed(kKey, sealed.substr(0, sealed.size() - 4), "a"));
  EXPECT_FALSE(open_sealed(kKey, kPem, "a"));  // a clear PEM is not a sealed value
  EXPECT_FALSE(open_sealed("short", sealed, "a"));
}

TEST(Seal, RefusesAKeyOfTheWrongLength) { EXPECT_ANY_THROW(seal("short", kPem, "a")); }

TEST(Seal, RandomBytesHaveTheLengthAskedFor) {
  EXPECT_EQ(random_bytes(32).size(), 32u);
  EXPECT_NE(random_bytes(32), random_bytes(32));
}

}  // namespace
}  // namespace dkim::crypto
