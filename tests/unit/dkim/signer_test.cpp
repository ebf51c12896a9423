// SPDX-License-Identifier: MIT
#include "filter/dkim/signer.h"

#include <gtest/gtest.h>

#include "filter/dkim/header_picker.h"

namespace dkim {
namespace {

const std::string kHeaders =
    "Received: by a\n"
    "From: Joe <joe@example.com>\n"
    "To: one@example.net\n"
    "Subject: first\n"
    "To: two@example.net\n"
    "X-Not-Signed: yes\n";

TEST(HeaderPicker, EachNameAsOftenAsPresentAndFromOnceMore) {
  auto block = mail::parse_header_block(kHeaders);
  auto picked = pick_headers(block.fields, default_signed_headers());
  std::vector<std::string> want = {"from", "from", "subject", "to", "to"};
  EXPECT_EQ(picked.names, want);
  ASSERT_EQ(picked.fields.size(), 5u);
  EXPECT_EQ(picked.fields[0]->raw, "From: Joe <joe@example.com>\n");
  EXPECT_EQ(picked.fields[1], nullptr);  // over-signed From hashes nothing
  // RFC 6376 §5.4.2: repeated names are taken from the bottom up.
  EXPECT_EQ(picked.fields[3]->raw, "To: two@example.net\n");
  EXPECT_EQ(picked.fields[4]->raw, "To: one@example.net\n");
}

struct SignerRoundTrip : ::testing::TestWithParam<std::tuple<crypto::KeyType, Canon, Canon>> {};

TEST_P(SignerRoundTrip, SignsAndVerifiesInChunks) {
  auto [type, hc, bc] = GetParam();
  auto key = crypto::PrivateKey::generate(type, 1024);
  SignerOptions opts{"example.com", "sel", {hc, bc}, 1700000000, {}, {}};
  std::string body = "Hello  there\n\n  indented\t\n\n\n";
  Signer signer(key, opts);
  for (char c : body) signer.body(&c, 1);
  auto block = mail::parse_header_block(kHeaders);
  std::string field = signer.finish(block.fields, "\n");

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

}  // namespace
}  // namespace dkim
