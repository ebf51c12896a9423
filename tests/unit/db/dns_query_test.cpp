// SPDX-License-Identifier: MIT
#include "db/dns_query.h"

#include <gtest/gtest.h>

#include <string>

namespace dkim::db {
namespace {

// A response to "s._domainkey.example TXT": header, question, answers.
std::string response(int rcode, const std::vector<std::vector<std::string>>& txt_rrs) {
  std::string m;
  m += std::string("\x12\x34\x81", 3);
  m += static_cast<char>(0x80 | rcode);
  m += std::string("\x00\x01", 2);
  m += static_cast<char>(0);
  m += static_cast<char>(txt_rrs.size());
  m += std::string(4, '\0');
  m += std::string(
      "\x01s\x0a_domainkey\x07"
      "example\x00\x00\x10\x00\x01",
      26);
  for (const auto& rr : txt_rrs) {
    std::string rdata;
    for (const auto& s : rr) rdata += static_cast<char>(s.size()) + s;
    m += std::string("\xc0\x0c\x00\x10\x00\x01\x00\x00\x0e\x10", 10);  // compressed name, TXT IN, TTL
    m += static_cast<char>(rdata.size() >> 8);
    m += static_cast<char>(rdata.size() & 0xff);
    m += rdata;
  }
  return m;
}

TxtAnswer parse(const std::string& m) {
  return parse_txt_response(reinterpret_cast<const unsigned char*>(m.data()), m.size());
}

TEST(DnsQuery, ConcatenatesStringsOfEachRecord) {
  auto a = parse(response(0, {{"v=DKIM1; k=rsa; ", "p=abc"}, {"other"}}));
  ASSERT_EQ(a.outcome, TxtAnswer::Outcome::records);
  EXPECT_EQ(a.records, (std::vector<std::string>{"v=DKIM1; k=rsa; p=abc", "other"}));
}

TEST(DnsQuery, TellsNxdomainNodataAndErrorsApart) {
  EXPECT_EQ(parse(response(3, {})).outcome, TxtAnswer::Outcome::nxdomain);
  EXPECT_EQ(parse(response(0, {})).outcome, TxtAnswer::Outcome::nodata);
  EXPECT_EQ(parse(response(2, {})).outcome, TxtAnswer::Outcome::error);  // SERVFAIL
  EXPECT_EQ(parse(response(5, {})).outcome, TxtAnswer::Outcome::error);  // REFUSED
}

TEST(DnsQuery, RejectsTruncatedMessages) {
  std::string m = response(0, {{"v=DKIM1; p=abc"}});
  for (size_t cut = 0; cut < m.size(); ++cut) {
    auto a = parse(m.substr(0, cut));
    EXPECT_NE(a.outcome, TxtAnswer::Outcome::records) << cut;
  }
}

}  // namespace
}  // namespace dkim::db
