// SPDX-License-Identifier: MIT
#include "filter/dkim/header_picker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "filter/mail/ascii.h"

namespace dkim {
namespace {

const std::string kHeaders =
    "Received: by a\n"
    "From: Joe <joe@example.com>\n"
    "To: one@example.net\n"
    "Subject: first\n"
    "To: two@example.net\n"
    "X-Not-Signed: yes\n";

std::size_t count(const std::vector<std::string>& names, const std::string& name) {
  return static_cast<std::size_t>(std::count(names.begin(), names.end(), name));
}

TEST(HeaderPicker, EachNameAsOftenAsPresentPlusOverSigning) {
  auto block = mail::parse_header_block(kHeaders);
  auto picked = pick_headers(block.fields, default_signed_headers());
  std::vector<std::string> want = {"from", "from", "subject", "subject", "to", "to", "to"};
  EXPECT_EQ(picked.names, want);
  ASSERT_EQ(picked.fields.size(), want.size());
  EXPECT_EQ(picked.fields[0]->raw, "From: Joe <joe@example.com>\n");
  EXPECT_EQ(picked.fields[1], nullptr);  // over-signed From hashes nothing
  EXPECT_EQ(picked.fields[2]->raw, "Subject: first\n");
  EXPECT_EQ(picked.fields[3], nullptr);
  // RFC 6376 §5.4.2: repeated names are taken from the bottom up.
  EXPECT_EQ(picked.fields[4]->raw, "To: two@example.net\n");
  EXPECT_EQ(picked.fields[5]->raw, "To: one@example.net\n");
  EXPECT_EQ(picked.fields[6], nullptr);
}

// RFC 6376 §8.15: a relay must not be able to prepend a second Subject, To,
// Date... without breaking the signature; a missing one may still be added.
TEST(HeaderPicker, OverSignsTheListedFieldsOnlyWhenPresent) {
  std::string all =
      "From: a@example.com\nSubject: s\nTo: t@example.net\nCc: c@example.net\nReply-To: r@example.com\n"
      "Date: Tue, 04 Nov 2025 10:00:00 +0000\nMessage-ID: <m@example.com>\nContent-Type: text/plain\n"
      "MIME-Version: 1.0\nContent-Transfer-Encoding: 7bit\nSender: s@example.com\nBcc: b@example.net\n"
      "In-Reply-To: <i@example.com>\nReferences: <i@example.com>\n";
  auto picked = pick_headers(mail::parse_header_block(all).fields, default_signed_headers());
  for (const char* twice : {"from", "subject", "to", "cc", "reply-to", "date", "message-id", "content-type",
                            "mime-version", "content-transfer-encoding"})
    EXPECT_EQ(count(picked.names, twice), 2u) << twice;
  for (const char* once : {"sender", "bcc", "in-reply-to", "references"})
    EXPECT_EQ(count(picked.names, once), 1u) << once;

  auto bare = pick_headers(mail::parse_header_block("X-Other: 1\n").fields, default_signed_headers());
  EXPECT_EQ(bare.names, (std::vector<std::string>{"from"}));  // From even when absent
  EXPECT_EQ(bare.fields, (std::vector<const mail::HeaderField*>{nullptr}));
  auto minimal =
      pick_headers(mail::parse_header_block("From: a@example.com\n").fields, default_signed_headers());
  EXPECT_EQ(minimal.names, (std::vector<std::string>{"from", "from"}));
}

std::string many(const std::string& name, int n) {
  std::string text = "From: a@example.com\n";
  for (int i = 1; i <= n; ++i) text += name + ": " + std::to_string(i) + "\n";
  return text;
}

TEST(HeaderPicker, ListsAtMostFiftyOfOneNameTheBottomMost) {
  std::string text = many("To", 60);
  auto block = mail::parse_header_block(text);
  auto picked = pick_headers(block.fields, default_signed_headers());
  ASSERT_EQ(count(picked.names, "to"), kMaxListedPerName);
  EXPECT_EQ(count(picked.names, "from"), 2u);
  // The "to" entries pair with To 60, 59, ... 11: newest first, no null
  // (a 51st entry would cover To 10, not a missing instance).
  std::size_t k = 60;
  for (std::size_t i = 0; i < picked.names.size(); ++i) {
    if (picked.names[i] != "to") continue;
    ASSERT_NE(picked.fields[i], nullptr);
    EXPECT_EQ(picked.fields[i]->raw, "To: " + std::to_string(k--) + "\n");
  }
  EXPECT_EQ(k, 10u);
  EXPECT_EQ(match_headers(block.fields, picked.names), picked.fields);
}

TEST(HeaderPicker, OverSigningStopsAtTheCap) {
  for (int present : {48, 49, 50, 51}) {
    std::string text = many("Subject", present);  // the fields are views into it
    auto block = mail::parse_header_block(text);
    auto picked = pick_headers(block.fields, default_signed_headers());
    auto n = static_cast<std::size_t>(present);
    EXPECT_EQ(count(picked.names, "subject"), std::min(n + 1, kMaxListedPerName)) << present;
    std::size_t nulls = 0;
    for (std::size_t i = 0; i < picked.names.size(); ++i)
      if (picked.names[i] == "subject" && !picked.fields[i]) ++nulls;
    EXPECT_EQ(nulls, n < kMaxListedPerName ? 1u : 0u) << present;
  }
  // A name that is not over-signed is capped the same way.
  std::string text = many("Received", 70) + many("Sender", 70);
  auto block = mail::parse_header_block(text);
  auto picked = pick_headers(block.fields, {"sender", "received"});
  EXPECT_EQ(count(picked.names, "sender"), kMaxListedPerName);
  EXPECT_EQ(count(picked.names, "received"), kMaxListedPerName);
}

TEST(HeaderPicker, NamesMatchWithoutCaseAndAreListedOnce) {
  auto block = mail::parse_header_block("TO: a\nFrom: f\nto: b\nSUBJECT: s\n");
  auto picked = pick_headers(block.fields, {"From", "to", "TO", "subject"});
  EXPECT_EQ(picked.names, (std::vector<std::string>{"from", "from", "to", "to", "to", "subject", "subject"}));
  EXPECT_EQ(picked.fields[2]->raw, "to: b\n");
  EXPECT_EQ(picked.fields[3]->raw, "TO: a\n");
}

TEST(HeaderPicker, MatchPairsBottomUpAndNullsWhatIsMissing) {
  auto block = mail::parse_header_block("To: 1\nTo: 2\nFrom: f\n");
  auto found = match_headers(block.fields, {"to", "From", "TO", "to", "x-none"});
  ASSERT_EQ(found.size(), 5u);
  EXPECT_EQ(found[0]->raw, "To: 2\n");
  EXPECT_EQ(found[1]->raw, "From: f\n");
  EXPECT_EQ(found[2]->raw, "To: 1\n");
  EXPECT_EQ(found[3], nullptr);
  EXPECT_EQ(found[4], nullptr);
}

// The quadratic selection this replaces, as it was (one scan of the fields
// per h= entry), with the over-signing and cap rules applied on top: the
// indexed version must agree with it on every small input.
std::vector<const mail::HeaderField*> naive_match(const std::vector<mail::HeaderField>& fields,
                                                  const std::vector<std::string>& names) {
  std::vector<const mail::HeaderField*> out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::size_t skip = 0;
    for (std::size_t j = 0; j < i; ++j)
      if (mail::same_name(names[j], names[i])) ++skip;
    const mail::HeaderField* found = nullptr;
    for (auto it = fields.rbegin(); it != fields.rend() && !found; ++it)
      if (mail::same_name(it->name, names[i]) && skip-- == 0) found = &*it;
    out.push_back(found);
  }
  return out;
}

std::vector<std::string> naive_names(const std::vector<mail::HeaderField>& fields,
                                     const std::vector<std::string>& wanted) {
  std::vector<std::string> names;
  for (const auto& name : wanted) {
    std::size_t present = 0;
    for (const auto& f : fields)
      if (mail::same_name(f.name, name)) ++present;
    std::size_t listed = present + (is_over_signed(name, present) ? 1 : 0);
    names.insert(names.end(), std::min(listed, kMaxListedPerName), name);
  }
  return names;
}

TEST(HeaderPicker, AgreesWithTheQuadraticSelectionOnSmallInputs) {
  const std::vector<std::string> pool = {"From", "to", "TO", "Subject", "cc", "Received", "X-A", "date"};
  std::mt19937 rng(6376);
  for (int round = 0; round < 500; ++round) {
    std::string text;
    int n = static_cast<int>(rng() % (round % 10 == 0 ? 120 : 12));
    for (int i = 0; i < n; ++i) text += pool[rng() % pool.size()] + ": v" + std::to_string(i) + "\n";
    if (text.empty()) text = "X-Empty: 1\n";
    auto block = mail::parse_header_block(text);
    ASSERT_TRUE(block.problem.empty());
    auto picked = pick_headers(block.fields, default_signed_headers());
    EXPECT_EQ(picked.names, naive_names(block.fields, default_signed_headers())) << text;
    EXPECT_EQ(picked.fields, naive_match(block.fields, picked.names)) << text;
    std::vector<std::string> h;
    for (int i = 0; i < 15; ++i) h.push_back(mail::ascii_lower(pool[rng() % pool.size()]));
    EXPECT_EQ(match_headers(block.fields, h), naive_match(block.fields, h)) << text;
  }
}

}  // namespace
}  // namespace dkim
