// SPDX-License-Identifier: MIT
#include "filter/dkim/signer.h"

#include <gtest/gtest.h>

namespace dkim {
namespace {

const std::string kHeaders =
    "Received: by a\n"
    "From: Joe <joe@example.com>\n"
    "To: one@example.net\n"
    "Subject: first\n"
    "To: two@example.net\n"
    "X-Not-Signed: yes\n";

struct SignerRoundTrip : ::testing::TestWithParam<std::tuple<crypto::KeyType, Canon, Canon>> {};

TEST_P(SignerRoundTrip, SignsAndVerifiesInChunks) {
  auto [type, hc, bc] = GetParam();
  auto key = crypto::PrivateKey::generate(type, 1024);
  SignerOptions opts{"example.com", "sel", {hc, bc}, 1700000000, {}, {}};
  std::string body = "Hello  there\n\n  indented\t\n\n\n";
  BodyHasher chunked(bc);
  for (char c : body) chunked.update(&c, 1);
  auto block = mail::parse_header_block(kHeaders);
  std::string field = sign_message(key, opts, block.fields, chunked.finish(), "\n");

  BodyHasher bh(bc);
  bh.update(body);
  std::string hash = bh.finish();
  EXPECT_TRUE(verify_signature_field(field, block.fields, hash, key.public_key()));

  // A changed signed header, a changed body and a different key all fail.
  std::string tampered = kHeaders;
  tampered.replace(tampered.find("first"), 5, "FIRST");
  auto tblock = mail::parse_header_block(tampered);
  EXPECT_FALSE(verify_signature_field(field, tblock.fields, hash, key.public_key()));
  BodyHasher other(bc);
  other.update("Hello there, changed\n");
  EXPECT_FALSE(verify_signature_field(field, block.fields, other.finish(), key.public_key()));
  auto stranger = crypto::PrivateKey::generate(type, 1024);
  EXPECT_FALSE(verify_signature_field(field, block.fields, hash, stranger.public_key()));
  // An unsigned header may change freely.
  std::string extra = kHeaders + "X-Added: later\n";
  auto eblock = mail::parse_header_block(extra);
  EXPECT_TRUE(verify_signature_field(field, eblock.fields, hash, key.public_key()));
}

INSTANTIATE_TEST_SUITE_P(AllCombinations, SignerRoundTrip,
                         ::testing::Combine(::testing::Values(crypto::KeyType::rsa, crypto::KeyType::ed25519),
                                            ::testing::Values(Canon::simple, Canon::relaxed),
                                            ::testing::Values(Canon::simple, Canon::relaxed)),
                         [](const auto& info) {
                           auto name = [](Canon c) { return c == Canon::simple ? "simple" : "relaxed"; };
                           return std::string(std::get<0>(info.param) == crypto::KeyType::rsa ? "rsa"
                                                                                              : "ed25519") +
                                  "_" + name(std::get<1>(info.param)) + "_" + name(std::get<2>(info.param));
                         });

TEST(Signer, SecondFromAddedLaterBreaksTheSignature) {
  auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
  SignerOptions opts{"example.com", "sel", {Canon::relaxed, Canon::relaxed}, 1700000000, {}, {}};
  auto block = mail::parse_header_block(kHeaders);
  BodyHasher bh(Canon::relaxed);
  std::string hash = bh.finish();
  std::string field = sign_message(key, opts, block.fields, hash, "\n");
  std::string forged = kHeaders + "From: Mallory <m@evil.example>\n";
  auto fblock = mail::parse_header_block(forged);
  EXPECT_FALSE(verify_signature_field(field, fblock.fields, hash, key.public_key()));
}

// RFC 6376 §8.15: a second Subject or To prepended by a relay breaks the
// signature; a field the message did not have may still be added.
TEST(Signer, OverSignedFieldsCannotBeAddedLater) {
  auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
  SignerOptions opts{"example.com", "sel", {Canon::relaxed, Canon::relaxed}, 1700000000, {}, {}};
  auto block = mail::parse_header_block(kHeaders);
  std::string hash = BodyHasher(Canon::relaxed).finish();
  std::string field = sign_message(key, opts, block.fields, hash, "\n");
  for (const char* added : {"Subject: pay now\n", "To: victim@example.org\n"}) {
    std::string text = added + kHeaders;  // the block's fields are views into it
    auto forged = mail::parse_header_block(text);
    EXPECT_FALSE(verify_signature_field(field, forged.fields, hash, key.public_key())) << added;
  }
  std::string dated_text = "Date: Tue, 04 Nov 2025 10:00:00 +0000\n" + kHeaders;
  auto dated = mail::parse_header_block(dated_text);
  EXPECT_TRUE(verify_signature_field(field, dated.fields, hash, key.public_key()));
}

}  // namespace
}  // namespace dkim
