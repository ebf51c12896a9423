// SPDX-License-Identifier: MIT
// The parts of the DNS client that need no server: server syntax and
// reading answers. The lookups and updates themselves are tested against
// real servers in tests/admin/lifecycle.test.sh.
#include "db/dns/client.h"

#include <gtest/gtest.h>

#include "filter/base/error.h"

namespace dkim::db::dns {
namespace {

TEST(DnsServer, ParsesEveryForm) {
  EXPECT_EQ(parse_server("192.0.2.1").text(), "192.0.2.1:53");
  EXPECT_EQ(parse_server("192.0.2.1:5353").port, 5353);
  EXPECT_EQ(parse_server("2001:db8::1").text(), "[2001:db8::1]:53");
  EXPECT_EQ(parse_server("[2001:db8::1]:853").port, 853);
  for (const char* bad : {"", "ns.example.com", "192.0.2.1:", "192.0.2.1:0", "192.0.2.1:65536", "[::1]x",
                          "[::1", "1.2.3.4:5x", "256.0.0.1"}) {
    try {
      parse_server(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::usage) << bad;
    }
  }
}

// A response to "s._domainkey.example TXT" (RFC 1035 §4.1), built by hand.
std::string response(int rcode, const std::vector<std::vector<std::string>>& txt_rrs, uint32_t ttl = 300) {
  std::string m = {'\x12', '\x34', '\x84', static_cast<char>(rcode),
                   0,      1,      0,      static_cast<char>(txt_rrs.size()),
                   0,      0,      0,      0};
  std::string qname =
      "\x01s\x0a_domainkey\x07"
      "example";
  qname += '\0';
  m += qname + std::string("\x00\x10\x00\x01", 4);
  for (const auto& strings : txt_rrs) {
    std::string rdata;
    for (const auto& s : strings) rdata += static_cast<char>(s.size()) + s;
    m += std::string("\xc0\x0c\x00\x10\x00\x01", 6);
    for (int shift = 24; shift >= 0; shift -= 8) m += static_cast<char>((ttl >> shift) & 0xff);
    m += static_cast<char>(rdata.size() >> 8);
    m += static_cast<char>(rdata.size() & 0xff);
    m += rdata;
  }
  return m;
}

TxtAnswer parse(const std::string& wire) {
  return parse_txt_response(reinterpret_cast<const unsigned char*>(wire.data()), wire.size());
}

TEST(DnsAnswer, ConcatenatesTheStringsOfEachRecord) {
  auto a = parse(response(0, {{"v=DKIM1; k=rsa; ", "p=abc"}, {"other"}}, 600));
  ASSERT_EQ(a.outcome, TxtAnswer::Outcome::records);
  ASSERT_EQ(a.records.size(), 2u);
  EXPECT_EQ(a.records[0], "v=DKIM1; k=rsa; p=abc");
  EXPECT_EQ(a.records[1], "other");
  EXPECT_EQ(a.ttl, 600u);
}

TEST(DnsAnswer, TellsNoRecordFromNoNameFromFailure) {
  EXPECT_EQ(parse(response(0, {})).outcome, TxtAnswer::Outcome::nodata);
  EXPECT_EQ(parse(response(3, {})).outcome, TxtAnswer::Outcome::nxdomain);
  auto refused = parse(response(5, {}));
  EXPECT_EQ(refused.outcome, TxtAnswer::Outcome::error);
  EXPECT_NE(refused.error.find("REFUSED"), std::string::npos) << refused.error;
  auto cut = response(0, {{"v=DKIM1; p=abc"}});
  cut.resize(cut.size() - 3);
  EXPECT_EQ(parse(cut).outcome, TxtAnswer::Outcome::error);
}

TEST(DnsAnswer, ACutMessageNeverGivesRecords) {
  std::string m = response(0, {{"v=DKIM1; p=abc"}});
  for (size_t cut = 0; cut < m.size(); ++cut)
    EXPECT_NE(parse(m.substr(0, cut)).outcome, TxtAnswer::Outcome::records) << cut;
}

TEST(DnsAnswer, ServfailIsAnError) { EXPECT_EQ(parse(response(2, {})).outcome, TxtAnswer::Outcome::error); }

}  // namespace
}  // namespace dkim::db::dns
