// SPDX-License-Identifier: MIT
// Golden vectors: RFC 8463 Appendix A. Ed25519 and RSA PKCS#1 v1.5 are
// deterministic, so the published bh= and b= must come out byte for byte.
#include <gtest/gtest.h>

#include "../test_util.h"
#include "filter/crypto/base64.h"
#include "filter/crypto/key.h"
#include "filter/dkim/header_picker.h"
#include "filter/dkim/signer.h"
#include "filter/dkim/tag_list.h"
#include "filter/mail/header_block.h"

namespace dkim {
namespace {

struct Rfc8463 : ::testing::Test {
  std::string text = test::read_file(test::vector_path("rfc8463/signed.eml"));
  std::string header_text = text.substr(0, text.find("\n\n") + 1);
  std::string body = text.substr(text.find("\n\n") + 2);
  mail::HeaderBlock block = mail::parse_header_block(header_text);

  // The message's own fields (the two signatures removed) and one signature.
  std::vector<mail::HeaderField> message_fields() const {
    std::vector<mail::HeaderField> out;
    for (const auto& f : block.fields)
      if (!mail::same_name(f.name, "DKIM-Signature")) out.push_back(f);
    return out;
  }
  std::string_view signature(int i) const { return block.fields.at(static_cast<std::size_t>(i)).raw; }
};

TEST_F(Rfc8463, VectorIsWellFormed) {
  ASSERT_TRUE(block.problem.empty()) << block.problem;
  ASSERT_EQ(block.fields.size(), 7u);
  EXPECT_TRUE(mail::same_name(block.fields[0].name, "dkim-signature"));
}

TEST_F(Rfc8463, BodyHashMatches) {
  BodyHasher relaxed(Canon::relaxed);
  relaxed.update(body);
  EXPECT_EQ(relaxed.finish(), "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
  EXPECT_EQ(parse_signature_field(signature(0).substr(15)).body_hash,
            "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
}

// Re-signs the published field (b= emptied) and compares with its b=.
void expect_reproduces(std::string_view field, const std::string& key_file,
                       const std::vector<mail::HeaderField>& fields, Canon canon = Canon::relaxed,
                       const std::string& body_hash = "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=") {
  auto key = crypto::PrivateKey::from_pem(test::read_file(test::vector_path(key_file)));
  SignatureFieldTags tags = parse_signature_field(field.substr(field.find(':') + 1));
  ASSERT_TRUE(tags.signature && tags.has_headers);
  const auto& published_b = tags.signature;
  const std::vector<std::string>& names = tags.headers;
  ASSERT_EQ(names.size(), 8u);
  std::string stripped(field);
  auto b_at = stripped.find(" b=") + 3;
  stripped.erase(b_at, stripped.size() - b_at - 1);  // keep the final LF
  auto digest = header_hash(canon, match_headers(fields, names), stripped);
  EXPECT_EQ(crypto::base64_encode(key.sign_digest(digest)), *published_b);
  EXPECT_TRUE(verify_signature_field(field, fields, body_hash, key.public_key()));
}

TEST_F(Rfc8463, Ed25519SignatureReproduced) {
  expect_reproduces(signature(0), "rfc8463/ed25519-brisbane.pem", message_fields());
}

TEST_F(Rfc8463, RsaSignatureReproduced) {
  expect_reproduces(signature(1), "rfc8463/rsa-test.pem", message_fields());
}

TEST_F(Rfc8463, PublishedPublicKeysMatch) {
  auto ed = crypto::PrivateKey::from_pem(test::read_file(test::vector_path("rfc8463/ed25519-brisbane.pem")));
  EXPECT_EQ(ed.public_key().dns_value(), "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
  auto rsa = crypto::PrivateKey::from_pem(test::read_file(test::vector_path("rfc8463/rsa-test.pem")));
  EXPECT_EQ(rsa.public_key().dns_value().substr(0, 40), "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDk");
}

TEST_F(Rfc8463, TamperedHeaderFailsVerification) {
  std::string tampered = header_text;
  tampered.replace(tampered.find("dinner"), 6, "supper");
  auto tblock = mail::parse_header_block(tampered);
  std::vector<mail::HeaderField> fields(tblock.fields.begin() + 2, tblock.fields.end());
  auto key = crypto::PrivateKey::from_pem(test::read_file(test::vector_path("rfc8463/ed25519-brisbane.pem")));
  EXPECT_FALSE(verify_signature_field(tblock.fields[0].raw, fields,
                                      "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=", key.public_key()));
}

// The same message signed with simple/simple by the draft that became RFC
// 8463 (t=1518460054 and t=1527915362; kept in dkimpy's test data): a
// byte-exact vector for simple header and body canonicalization, where the
// folding whitespace of the signature field itself is hashed as it stands.
struct Rfc8463DraftSimple : Rfc8463 {
  Rfc8463DraftSimple() {
    text = test::read_file(test::vector_path("rfc8463/draft-simple-signed.eml"));
    header_text = text.substr(0, text.find("\n\n") + 1);
    body = text.substr(text.find("\n\n") + 2);
    block = mail::parse_header_block(header_text);
  }
};

TEST_F(Rfc8463DraftSimple, BodyHashMatches) {
  BodyHasher simple(Canon::simple);
  simple.update(body);
  EXPECT_EQ(simple.finish(), "4bLNXImK9drULnmePzZNEBleUanJCX5PIsDIFoH4KTQ=");
}

TEST_F(Rfc8463DraftSimple, BothSignaturesReproduced) {
  ASSERT_TRUE(block.problem.empty()) << block.problem;
  ASSERT_EQ(block.fields.size(), 7u);
  const std::string bh = "4bLNXImK9drULnmePzZNEBleUanJCX5PIsDIFoH4KTQ=";
  expect_reproduces(signature(0), "rfc8463/ed25519-brisbane.pem", message_fields(), Canon::simple, bh);
  expect_reproduces(signature(1), "rfc8463/rsa-test.pem", message_fields(), Canon::simple, bh);
}

}  // namespace
}  // namespace dkim
