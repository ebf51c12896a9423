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

}  // namespace
}  // namespace dkim::db
