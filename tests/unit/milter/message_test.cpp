// SPDX-License-Identifier: MIT
#include "filter/milter/message.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "db/keystore.h"
#include "filter/dkim/signer.h"
#include "filter/mail/header_block.h"
#include "filter/milter/header_field.h"
#include "milter_fixture.h"

namespace dkim::milter {
namespace {

class MessageTest : public test::DatabaseTest {
 protected:
  void SetUp() override {
    test::DatabaseTest::SetUp();
    options_.db_path = path_;
    options_.socket = "inet:1@127.0.0.1";
    cache_.emplace(path_);
  }

  Envelope envelope(const std::string& sasl_user) {
    Envelope e;
    e.sender = "alice@example.com";
    e.sasl_user = sasl_user;
    e.client_ip = "192.0.2.7";
    return e;
  }

  // Feeds a message as Postfix does: name/value pairs (LF inside folded
  // values), then the body in CRLF chunks of `chunk` bytes.
  Verdict run(Message& m, const std::vector<std::pair<std::string, std::string>>& headers,
              const std::string& body, std::vector<std::string>& fields, std::size_t chunk = 7) {
    for (const auto& [name, value] : headers) m.header(name, value);
    Verdict v = m.end_of_header("QID1");
    if (v != Verdict::more) return v;
    for (std::size_t i = 0; i < body.size(); i += chunk) m.body(std::string_view(body).substr(i, chunk));
    return m.end_of_message("QID1", fields);
  }

  const std::vector<std::pair<std::string, std::string>> headers_ = {
      {"From", " Alice <alice@example.com>"},
      {"To", " Bob <bob@example.org>,\n\tCarol <carol@example.org>"},
      {"Subject", "\tfolded\n subject "},
      {"Date", " Tue, 1 Dec 2026 08:00:00 +0000"}};
  const std::string body_ = "Hello,\r\n\r\ntrailing space \r\nand tab\t\r\n\r\n\r\n";

  Options options_;
  std::optional<KeyCache> cache_;
};

TEST_F(MessageTest, SignsWhatPostfixDelivers) {
  Message m(options_, *cache_, envelope("alice@example.com"));
  std::vector<std::string> fields;
  ASSERT_EQ(run(m, headers_, body_, fields), Verdict::accept);
  ASSERT_EQ(fields.size(), 1u);
  EXPECT_EQ(fields[0].rfind("DKIM-Signature: v=1;", 0), 0u);
  // The delivered message, rebuilt independently: the inserted field as
  // Postfix writes it, then the fields and the body.
  std::string delivered;
  append_wire_field(delivered, "DKIM-Signature", insert_value(fields[0], true));
  EXPECT_EQ(delivered, fields[0]);
  std::string header;
  for (const auto& [name, value] : headers_) append_wire_field(header, name, value);
  EXPECT_EQ(header, m.wire_header());
  auto block = mail::parse_header_block(header);
  BodyHasher hasher(Canon::relaxed);
  hasher.update(body_);
  auto key = db::KeyStore::open_reader(path_).find_key("example.com", "s1");
  auto pub = crypto::PrivateKey::from_pem(key->private_pem).public_key();
  EXPECT_TRUE(verify_signature_field(fields[0], block.fields, hasher.finish(), pub));
  auto line = m.log().text();
  EXPECT_NE(line.find("queue_id=QID1 sender=alice@example.com user=alice@example.com domain=example.com"),
            std::string::npos)
      << line;
  EXPECT_NE(line.find("selector=s1 decision=signed reason=signed"), std::string::npos) << line;
}

TEST_F(MessageTest, TheBodyChunkingDoesNotMatter) {
  std::vector<std::string> one, seven;
  Message a(options_, *cache_, envelope("alice@example.com"));
  Message b(options_, *cache_, envelope("alice@example.com"));
  ASSERT_EQ(run(a, headers_, body_, one, body_.size()), Verdict::accept);
  ASSERT_EQ(run(b, headers_, body_, seven, 1), Verdict::accept);
  auto bh = [](const std::string& f) { return f.substr(f.find("bh="), 50); };
  EXPECT_EQ(bh(one[0]), bh(seven[0]));
}

TEST_F(MessageTest, AnUnknownUserIsAcceptedUnsignedAtTheEndOfTheHeader) {
  Message m(options_, *cache_, envelope("mallory@example.com"));
  for (const auto& [name, value] : headers_) m.header(name, value);
  EXPECT_EQ(m.end_of_header("QID2"), Verdict::accept);
  EXPECT_TRUE(m.done());
  EXPECT_NE(m.log().text().find("decision=unsigned reason=unknown-user"), std::string::npos)
      << m.log().text();
}

TEST_F(MessageTest, NoSaslUserFallsBackToTheDefaultUser) {
  options_.default_user = "alice@example.com";
  Message m(options_, *cache_, envelope(""));
  std::vector<std::string> fields;
  EXPECT_EQ(run(m, headers_, body_, fields), Verdict::accept);
  EXPECT_EQ(fields.size(), 1u) << m.log().text();
}

TEST_F(MessageTest, AMalformedHeaderIsAcceptedUnsigned) {
  Message m(options_, *cache_, envelope("alice@example.com"));
  m.header("From", " Alice <alice@example.com>");
  m.header("Bad Name", " x");  // a space in the name: not a field (RFC 5322 §2.2)
  EXPECT_EQ(m.end_of_header(""), Verdict::accept);
  EXPECT_NE(m.log().text().find("decision=unsigned reason=malformed"), std::string::npos) << m.log().text();
}

TEST_F(MessageTest, ADatabaseFailureDefersOrPassesAsConfigured) {
  ASSERT_EQ(::chmod(path_.c_str(), 0644), 0);  // refused: others could read the keys
  {
    Message m(options_, *cache_, envelope("alice@example.com"));
    std::vector<std::string> fields;
    EXPECT_EQ(run(m, headers_, body_, fields), Verdict::tempfail);
    EXPECT_NE(m.log().text().find("decision=tempfail reason=error"), std::string::npos) << m.log().text();
  }
  options_.on_error = app::OnError::pass;
  {
    Message m(options_, *cache_, envelope("alice@example.com"));
    std::vector<std::string> fields;
    EXPECT_EQ(run(m, headers_, body_, fields), Verdict::accept);
    EXPECT_TRUE(fields.empty());
    EXPECT_NE(m.log().text().find("decision=unsigned reason=error"), std::string::npos) << m.log().text();
  }
}

TEST_F(MessageTest, AMessageAlreadySignedForItsDomainIsLeftAlone) {
  auto headers = headers_;
  headers.push_back({"DKIM-Signature", " v=1; a=rsa-sha256; d=Example.COM; s=x;\n\tbh=; b="});
  Message m(options_, *cache_, envelope("alice@example.com"));
  std::vector<std::string> fields;
  EXPECT_EQ(run(m, headers, body_, fields), Verdict::accept);
  EXPECT_TRUE(fields.empty());
  EXPECT_NE(m.log().text().find("reason=already-signed"), std::string::npos) << m.log().text();
}

}  // namespace
}  // namespace dkim::milter
