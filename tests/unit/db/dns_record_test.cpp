// SPDX-License-Identifier: MIT
#include "db/dns_record.h"

#include <gtest/gtest.h>

namespace dkim::db {
namespace {

class DnsRecordTest : public ::testing::Test {
 protected:
  static crypto::PrivateKey& rsa() {
    static auto key = crypto::PrivateKey::generate(crypto::KeyType::rsa, 2048);
    return key;
  }
  static crypto::PrivateKey& ed() {
    static auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
    return key;
  }
};

TEST_F(DnsRecordTest, NameAndValue) {
  EXPECT_EQ(dns_record_name("example.com", "s1"), "s1._domainkey.example.com");
  std::string v = dns_record_value(rsa().public_key());
  EXPECT_EQ(v.rfind("v=DKIM1; k=rsa; p=MII", 0), 0u) << v;
  EXPECT_EQ(dns_record_value(ed().public_key()), "v=DKIM1; k=ed25519; p=" + ed().public_key().dns_value());
}

TEST_F(DnsRecordTest, SplitsLongValuesAt255) {
  std::string v(600, 'a');
  auto parts = split_txt_strings(v);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].size(), 255u);
  EXPECT_EQ(parts[2].size(), 90u);
  EXPECT_EQ(parts[0] + parts[1] + parts[2], v);
  EXPECT_EQ(zone_line("s._domainkey.example.com", "abc"), "s._domainkey.example.com. IN TXT \"abc\"");
}

TEST_F(DnsRecordTest, ChecksRecords) {
  auto pub = rsa().public_key();
  std::string good = dns_record_value(pub);
  EXPECT_EQ(check_records({good}, pub).status, RecordStatus::match);
  // Whitespace inside p= (folded records) and tag order other than v= first are fine.
  std::string folded =
      "v=DKIM1; p=" + pub.dns_value().substr(0, 100) + " \t " + pub.dns_value().substr(100) + "; k=rsa;";
  EXPECT_EQ(check_records({folded}, pub).status, RecordStatus::match);
  EXPECT_EQ(check_records({}, pub).status, RecordStatus::no_record);
  EXPECT_EQ(
      check_records({dns_record_value(crypto::PrivateKey::generate(crypto::KeyType::rsa, 1024).public_key())},
                    pub)
          .status,
      RecordStatus::different_key);
  EXPECT_EQ(check_records({"v=DKIM1; k=rsa; p="}, pub).status, RecordStatus::different_key);  // revoked
  EXPECT_EQ(check_records({dns_record_value(ed().public_key())}, pub).status, RecordStatus::different_key);
  EXPECT_EQ(check_records({"v=DKIM1; k=rsa; p=!!!notbase64"}, pub).status, RecordStatus::malformed);
  EXPECT_EQ(check_records({"v=DKIM1; k=rsa"}, pub).status, RecordStatus::malformed);
  EXPECT_EQ(check_records({"k=rsa; v=DKIM1; p=" + pub.dns_value()}, pub).status, RecordStatus::malformed);
  EXPECT_EQ(check_records({"hello world"}, pub).status, RecordStatus::malformed);
  EXPECT_EQ(check_records({"v=DKIM1; p=a; p=b"}, pub).status, RecordStatus::malformed);
  // Another TXT record next to the right one does not hide it.
  EXPECT_EQ(check_records({"google-site-verification=x", good}, pub).status, RecordStatus::match);
}

// RFC 6376 §3.6.2.2: with two different key records at the name, which one
// a verifier uses is undefined: not a match, even if one is ours.
TEST_F(DnsRecordTest, AnotherDkimRecordBesideTheMatchIsAmbiguous) {
  auto pub = rsa().public_key();
  std::string good = dns_record_value(pub);
  std::string other = dns_record_value(crypto::PrivateKey::generate(crypto::KeyType::rsa, 1024).public_key());
  auto r = check_records({good, other}, pub);
  EXPECT_EQ(r.status, RecordStatus::ambiguous);
  EXPECT_EQ(record_exit_code(r.status), 1);
  EXPECT_NE(r.detail.find("2 different DKIM records"), std::string::npos) << r.detail;
  EXPECT_EQ(check_records({other, good}, pub).status, RecordStatus::ambiguous);
  EXPECT_EQ(check_records({good, "v=DKIM1; k=rsa; p="}, pub).status, RecordStatus::ambiguous);
  EXPECT_EQ(check_records({good, dns_record_value(ed().public_key())}, pub).status, RecordStatus::ambiguous);
  // The same record twice, an unrelated TXT record, or a record for other
  // services (which email verifiers ignore) is not a second key record.
  EXPECT_EQ(check_records({good, good}, pub).status, RecordStatus::match);
  EXPECT_EQ(check_records({good, "v=spf1 -all"}, pub).status, RecordStatus::match);
  EXPECT_EQ(check_records({good, "v=DKIM1; s=other; p=" + ed().public_key().dns_value()}, pub).status,
            RecordStatus::match);
}

// RFC 6376 §3.6.1: s= is "*" or lists "email", else email verifiers ignore it.
TEST_F(DnsRecordTest, ServiceTypeMustIncludeEmail) {
  auto pub = rsa().public_key();
  std::string p = pub.dns_value();
  for (const char* s : {"other", "emailx", "tls:web", ""}) {
    auto r = check_records({"v=DKIM1; k=rsa; s=" + std::string(s) + "; p=" + p}, pub);
    EXPECT_EQ(r.status, RecordStatus::not_for_email) << s;
    EXPECT_EQ(record_exit_code(r.status), 1);
    EXPECT_NE(r.detail.find("excludes email"), std::string::npos) << r.detail;
  }
  for (const char* s : {"email", "*", "other:email", "email : other", "x:*"})
    EXPECT_EQ(check_records({"v=DKIM1; k=rsa; s=" + std::string(s) + "; p=" + p}, pub).status,
              RecordStatus::match)
        << s;
}

TEST_F(DnsRecordTest, EscapesWhatDnsSupplies) {
  EXPECT_EQ(escape_text("k=\x1b[2J\r\nok\\ \x7f\xc3\xa9"), "k=\\x1b[2J\\x0d\\x0aok\\\\ \\x7f\\xc3\\xa9");
  auto r = check_records({"v=DKIM1; k=\x1b]0;pwned\x07; p=abc"}, rsa().public_key());
  EXPECT_EQ(r.status, RecordStatus::malformed);
  std::string shown = escape_text(r.detail);
  for (char c : shown) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << shown;
}

}  // namespace
}  // namespace dkim::db
