// SPDX-License-Identifier: MIT
#include "filter/mail/from_domain.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <vector>

namespace dkim::mail {
namespace {

FromDomain one(std::string_view value) { return from_domain(std::vector<std::string>{std::string(value)}); }

void expect_domain(std::string_view value, std::string_view domain) {
  FromDomain result = one(value);
  EXPECT_EQ(reason(result.problem), "ok") << "[" << value << "]";
  EXPECT_EQ(result.domain, domain) << "[" << value << "]";
}

void expect_problem(std::string_view value, FromProblem problem) {
  FromDomain result = one(value);
  EXPECT_EQ(reason(result.problem), reason(problem)) << "[" << value << "]";
  EXPECT_TRUE(result.domain.empty()) << "[" << value << "]";
}

TEST(FromDomain, PlainAndAngleAddresses) {
  expect_domain(" alice@example.com", "example.com");
  expect_domain(" <alice@example.com>", "example.com");
  expect_domain(" Alice <alice@Mail.Example.COM>\r\n", "mail.example.com");
  expect_domain(" \"Doe, John\" <john@example.org>", "example.org");
  expect_domain(" \"a <b@evil.test>\" <x@example.net>", "example.net");
  expect_domain(" \"quoted \\\" pair\" <x@example.net>", "example.net");
  expect_domain(" \"john doe\"@example.com", "example.com");
}

TEST(FromDomain, FoldingAndComments) {
  expect_domain(" Alice\r\n <alice@example.com>\r\n", "example.com");
  expect_domain(" Alice\n\t<alice@example.com>\n", "example.com");
  expect_domain(" (comment) alice@example.com (another)", "example.com");
  expect_domain(" alice@example.com (comment, with a comma)", "example.com");
  expect_domain(" alice(nested (comment))@example.com", "example.com");
  expect_domain(" <alice@ example . com >", "example.com");
  expect_domain(" Alice (x \\) y) <alice@example.com>", "example.com");
  expect_domain(" <alice@example.com> (comment after)", "example.com");
  expect_domain(" Alice <alice@example.com> \t", "example.com");
  expect_domain(" Alice <alice@example.com>\r\n \r\n", "example.com");
}

TEST(FromDomain, EncodedWordsAndUtf8) {
  expect_domain(" =?utf-8?q?J=C3=B6rg?= <joerg@example.de>", "example.de");
  expect_domain(" J\xC3\xB6rg <j\xC3\xB6rg@example.de>", "example.de");
  // Invalid UTF-8 in a display name does not hide the domain.
  expect_domain(" J\xFF\xFErg <joerg@example.de>", "example.de");
}

TEST(FromDomain, InternationalDomainBecomesALabel) {
  expect_domain(" J\xC3\xB6rg <joerg@ex\xC3\xA4mple.de>", "xn--exmple-cua.de");
  expect_domain(" joerg@EX\xC3\x84MPLE.DE", "xn--exmple-cua.de");
  expect_problem(" joerg@ex\xC3\xA4\xFFmple.de", FromProblem::invalid_domain);
}

TEST(FromDomain, FieldCount) {
  EXPECT_EQ(from_domain({}).problem, FromProblem::no_from);
  EXPECT_EQ(from_domain({" a@example.com", " a@example.com"}).problem, FromProblem::multiple_from);
  EXPECT_EQ(reason(FromProblem::no_from), "no-from");
  EXPECT_EQ(reason(FromProblem::multiple_from), "multiple-from");
}

TEST(FromDomain, ListsAndGroupsAreMultipleAddresses) {
  expect_problem(" a@x.example, b@y.example", FromProblem::multiple_addresses);
  expect_problem(" \"A\" <a@x.example>, b@x.example", FromProblem::multiple_addresses);
  expect_problem(" team: a@x.example, b@x.example;", FromProblem::multiple_addresses);
  expect_problem(" team: a@x.example;", FromProblem::multiple_addresses);
  expect_problem(" undisclosed-recipients:;", FromProblem::multiple_addresses);
  EXPECT_EQ(reason(FromProblem::multiple_addresses), "multiple-addresses");
}

TEST(FromDomain, EmptyListElementsAreIgnored) {
  // RFC 5322 §4.4 obs-mbox-list allows null elements.
  expect_domain(" a@example.com,", "example.com");
  expect_domain(" , a@example.com", "example.com");
}

TEST(FromDomain, Unparsable) {
  const std::vector<std::string> values = {
      "",
      " ",
      "\r\n",
      "<>",
      " <>",
      "@",
      "\"",
      "(",
      ")",
      "<",
      ">",
      "\\",
      ":",
      ";",
      "[",
      "]",
      " \"unmatched <a@example.com>",
      " <a@example.com",
      " a@example.com>",
      " (unclosed a@example.com",
      " a@example.com)",
      " nodomain",
      " a@",
      " @example.com",
      " <a@example.com> <b@example.com>",
      " <a@example.com> junk",
      " a@example.com <b@example.com>",
      " John a@example.com",
      " a@b@example.com",
      " a@example.com;",
      " team: a@x.example",
      " g: a@x.example; trailing",
      " <<a@example.com>>",
      " a\\@b@example.com",
      " a@example.com\r\nFrom: b@example.org",  // a line break that is not folding
      std::string(" a@exa\0mple.com", 15),      // NUL
      std::string(" a@example.com\0", 15),
      " a@example.com\x01",
      " a@example.com\x7f",
  };
  for (const std::string& value : values) expect_problem(value, FromProblem::unparsable);
  EXPECT_EQ(reason(FromProblem::unparsable), "unparsable-from");
}

TEST(FromDomain, InvalidDomain) {
  const std::vector<std::string> values = {
      " a@[192.0.2.1]",
      " <a@[IPv6:2001:db8::1]>",
      " a@localhost",
      " a@192.0.2.1",
      " a@-example.com",
      " a@example-.com",
      " a@ex_ample.com",
      " a@example..com",
      " a@example.com.",
      " a@" + std::string(64, 'x') + ".com",
      " a@" + std::string(300, 'x'),
  };
  for (const std::string& value : values) expect_problem(value, FromProblem::invalid_domain);
  EXPECT_EQ(reason(FromProblem::invalid_domain), "invalid-from-domain");
}

TEST(FromDomain, HugeValuesAreRefusedQuickly) {
  auto start = std::chrono::steady_clock::now();
  expect_problem(" " + std::string(100 * 1024, 'a') + "@example.com", FromProblem::unparsable);
  expect_problem(std::string(50000, '(') + "a@example.com" + std::string(50000, ')'),
                 FromProblem::unparsable);
  expect_problem(std::string(100001, '"'), FromProblem::unparsable);
  expect_problem(std::string(100000, '<'), FromProblem::unparsable);
  std::string folded;
  for (int i = 0; i < 20000; ++i) folded += "\r\n ";
  expect_problem(folded + "a@example.com", FromProblem::unparsable);
  // Just under the cap still parses.
  std::string name(kMaxFromValueLength - 40, 'n');
  expect_domain(" " + name + " <a@example.com>", "example.com");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(FromDomain, DeepCommentNestingWithinTheCap) {
  std::string value = std::string(3000, '(') + std::string(3000, ')') + " a@example.com";
  expect_domain(value, "example.com");
}

// Random strings over the characters that matter to the parsers: nothing may
// throw, crash or hang, and a found domain is always a valid one.
TEST(FromDomain, RandomInputNeverBreaks) {
  static constexpr char kChars[] = "ab.@<>()\"\\,:;[] \t\r\n\x80\xC3\xA4\0xyz-=?";
  const std::string alphabet(kChars, sizeof kChars - 1);  // keeps the NUL
  std::mt19937 rng(20260101);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<int> length(0, 40);
  int found = 0;
  for (int i = 0; i < 50000; ++i) {
    std::string value;
    for (int n = length(rng); n > 0; --n) value += alphabet[pick(rng)];
    if (i % 3 == 0) value += "a@b.example";
    FromDomain result = one(value);
    if (result.ok()) {
      ++found;
      EXPECT_FALSE(result.domain.empty());
      EXPECT_EQ(result.domain.find_first_of("@<>()\" \t\r\n"), std::string::npos) << result.domain;
    }
  }
  EXPECT_GT(found, 0);  // the generator does produce valid addresses
}

}  // namespace
}  // namespace dkim::mail
