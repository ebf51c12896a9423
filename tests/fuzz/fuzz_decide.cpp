// SPDX-License-Identifier: MIT
// The seven signing rules (policy::decide) against a stub Directory whose
// users and keys, and the message's request, all come from the fuzz input.
// Names are drawn mostly from a small vocabulary so that lookups hit; the
// properties below restate dkim-filter(8)'s SIGNING RULES independently of decide.cpp:
// whatever decide() answers, it never signs what the rules forbid, and when
// it says "no-key" there really is none.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "filter/mail/domain_name.h"
#include "filter/mail/from_domain.h"
#include "filter/policy/decide.h"
#include "fuzz_check.h"

using namespace dkim::policy;
namespace mail = dkim::mail;

namespace {

const std::vector<std::string> kDomains = {"example.com",           "mail.example.com", "a.b.example.com",
                                           "example.org",           "evil-example.com", "com",
                                           "xn--bcher-kva.example", "EXAMPLE.com"};
// Hostile rows too: a stored selector is written into s= unless rejected.
const std::vector<std::string> kSelectors = {"s1",  "s2",      "S1",           " s2 ",    "",     "ed",
                                             "rsa", "s1; d=x", "s1\r\nBcc: x", "bad_sel", "a..b", "-s1"};
const std::vector<std::string> kIps = {"192.0.2.1",        "192.0.2.10", "2001:db8::1", "::ffff:192.0.2.1",
                                       "IPv6:2001:DB8::1", "127.0.0.1",  "not-an-ip"};

std::string word(FuzzedDataProvider& in, const std::vector<std::string>& vocabulary) {
  if (in.ConsumeIntegralInRange(0, 7) == 0) return in.ConsumeRandomLengthString(40);
  return vocabulary[in.ConsumeIntegralInRange<std::size_t>(0, vocabulary.size() - 1)];
}

std::string login(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange(0, 3)) {
    case 0:
      return word(in, kDomains);  // a domain user
    case 1:
      return word(in, kIps);  // an IP as SASL name
    default:
      return word(in, {"alice", "bob", "ALICE", "*"}) + "@" + word(in, kDomains);  // "*": a mailbox wildcard
  }
}

class StubDirectory : public Directory {
 public:
  std::map<std::string, UserRecord> logins, ips;
  std::set<std::pair<std::string, std::string>> keys;
  std::optional<UserRecord> user_by_login(std::string_view name) override {
    FUZZ_CHECK(name == mail::ascii_lower(name), "login lookups are lower-cased");
    auto it = logins.find(std::string(name));
    return it == logins.end() ? std::nullopt : std::optional<UserRecord>(it->second);
  }
  std::optional<UserRecord> user_by_ip(std::string_view address) override {
    auto it = ips.find(std::string(address));
    return it == ips.end() ? std::nullopt : std::optional<UserRecord>(it->second);
  }
  bool has_key(std::string_view domain, std::string_view selector) override {
    return keys.count({std::string(domain), std::string(selector)}) > 0;
  }
};

void fill(FuzzedDataProvider& in, StubDirectory& dir) {
  for (int n = in.ConsumeIntegralInRange(0, 6); n > 0; --n) {
    UserRecord u;
    u.kind = static_cast<UserKind>(in.ConsumeIntegralInRange(0, 2));
    u.name = u.kind == UserKind::ip ? word(in, kIps) : mail::ascii_lower(login(in));
    u.domain = word(in, kDomains);
    for (int s = in.ConsumeIntegralInRange(0, 3); s > 0; --s) u.selectors.push_back(word(in, kSelectors));
    u.any_domain = in.ConsumeIntegralInRange(0, 3) == 0;
    u.reauthenticating = in.ConsumeIntegralInRange(0, 5) == 0;
    // One name, one user: the same name in both tables would make the
    // checks below ambiguous about which record decide() used.
    if (dir.ips.count(u.name) || dir.logins.count(u.name)) continue;
    (u.kind == UserKind::ip ? dir.ips : dir.logins)[u.name] = u;
  }
  for (int n = in.ConsumeIntegralInRange(0, 8); n > 0; --n)
    dir.keys.insert({mail::ascii_lower(word(in, kDomains)), mail::ascii_lower(word(in, kSelectors))});
}

Request make_request(FuzzedDataProvider& in) {
  Request r;
  if (in.ConsumeBool()) r.sasl_user = login(in);
  if (in.ConsumeBool()) r.client_ip = word(in, kIps);
  if (in.ConsumeIntegralInRange(0, 3) == 0) r.default_user = login(in);
  for (int n = in.ConsumeIntegralInRange(0, 2) + (in.ConsumeBool() ? 0 : 1) - 1; n >= 0; --n) {
    if (in.ConsumeIntegralInRange(0, 4) == 0)
      r.from_values.push_back(in.ConsumeRandomLengthString(80));
    else
      r.from_values.push_back(" Someone <" + login(in) + ">\n");
  }
  for (int n = in.ConsumeIntegralInRange(0, 2); n > 0; --n)
    r.existing_signature_domains.push_back(word(in, kDomains));
  return r;
}

// The user record the rules should have picked, found without decide().
std::optional<UserRecord> signing_user(const Decision& d, StubDirectory& dir) {
  for (auto* table : {&dir.logins, &dir.ips}) {
    auto it = table->find(d.user);
    if (it != table->end()) return it->second;
  }
  return std::nullopt;
}

std::string trimmed_lower(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return mail::ascii_lower(s.substr(b, s.find_last_not_of(" \t") - b + 1));
}

// RFC 6376 §3.1 restated: dot-separated labels of 1..63 lower-case letters,
// digits and inner hyphens, at most 253 characters.
bool selector_ok(const std::string& s) {
  if (s.empty() || s.size() > 253) return false;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i < s.size() && s[i] != '.') {
      char c = s[i];
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
      continue;
    }
    std::size_t len = i - start;
    if (len == 0 || len > 63 || s[start] == '-' || s[i - 1] == '-') return false;
    start = i + 1;
  }
  return true;
}

// Rule 5 restated: a key domain is the From domain or a parent, never a bare
// TLD, and never above the user's own domain unless it has --any-domain.
bool key_domain_ok(const UserRecord& user, const std::string& from_domain, const std::string& domain) {
  if (!mail::is_same_or_subdomain(from_domain, domain) || domain.find('.') == std::string::npos) return false;
  if (user.any_domain) return true;
  auto own = mail::normalize_domain(user.domain);
  return own && mail::is_same_or_subdomain(domain, *own);
}

void check_signed(const Request& req, const Decision& d, StubDirectory& dir) {
  FUZZ_CHECK(d.reason == "signed" && !d.keys.empty(), "a signing decision has keys");
  auto user = signing_user(d, dir);
  FUZZ_CHECK(user.has_value(), "signs only for a known user");
  FUZZ_CHECK(!user->reauthenticating, "rule 2: re-authenticating users never sign");
  if (!req.sasl_user.empty()) {
    // Rule 1: as itself, or, when it has no row of its own, through the
    // mailbox wildcard of exactly its domain.
    std::string sasl = mail::ascii_lower(req.sasl_user);
    auto at = sasl.rfind('@');
    bool wildcard = at != std::string::npos && user->name == "*" + sasl.substr(at) && !dir.logins.count(sasl);
    FUZZ_CHECK(user->name == sasl || wildcard, "rule 1: a SASL user signs as itself or through its wildcard");
  }
  auto from = mail::from_domain(req.from_values);
  FUZZ_CHECK(from.ok() && from.domain == d.from_domain, "rule 3: the single From address's domain");
  if (!user->any_domain) {
    auto own = mail::normalize_domain(user->domain);
    FUZZ_CHECK(own && mail::is_same_or_subdomain(d.from_domain, *own), "rule 4: own domain only");
  }
  std::vector<std::string> selectors;
  for (const auto& s : user->selectors) selectors.push_back(trimmed_lower(s));
  std::size_t last = 0;
  std::set<std::string> seen;
  for (const auto& k : d.keys) {
    FUZZ_CHECK(dir.has_key(k.domain, k.selector), "rule 5: the key exists");
    FUZZ_CHECK(key_domain_ok(*user, d.from_domain, k.domain),
               "rule 5: From domain or a parent, never a bare TLD, never above the user's own domain");
    FUZZ_CHECK(selector_ok(k.selector), "rule 7: only RFC 6376 selectors reach s=");
    auto at = std::find(selectors.begin(), selectors.end(), k.selector);
    FUZZ_CHECK(at != selectors.end() && !k.selector.empty(), "rule 7: one of the user's selectors");
    FUZZ_CHECK(static_cast<std::size_t>(at - selectors.begin()) >= last, "rule 7: in selector order");
    last = static_cast<std::size_t>(at - selectors.begin());
    FUZZ_CHECK(seen.insert(k.selector).second, "rule 7: one signature per selector");
    for (const auto& e : req.existing_signature_domains)
      FUZZ_CHECK(mail::ascii_lower(e) != k.domain && mail::ascii_lower(e) != d.from_domain,
                 "rule 6: not already signed");
  }
}

// "no-key": no selector of the user has a key for the From domain or a
// parent. A blank selector is no selector (a stray comma in "s1,,s2").
void check_no_key(const Decision& d, StubDirectory& dir) {
  auto user = signing_user(d, dir);
  FUZZ_CHECK(user.has_value(), "no-key names a known user");
  for (const auto& s : user->selectors)
    for (const auto& domain : mail::domain_and_parents(d.from_domain))
      FUZZ_CHECK(!selector_ok(trimmed_lower(s)) || !key_domain_ok(*user, d.from_domain, domain) ||
                     !dir.has_key(domain, trimmed_lower(s)),
                 "no-key although a key exists");
}

// Skipped selectors are the user's own and really invalid; "no-selector"
// means every selector is blank (an invalid one is skipped, not "none").
void check_selectors(const Decision& d, StubDirectory& dir) {
  auto user = signing_user(d, dir);
  for (const auto& bad : d.bad_selectors) {
    FUZZ_CHECK(
        user && std::find(user->selectors.begin(), user->selectors.end(), bad) != user->selectors.end(),
        "a skipped selector is one of the user's");
    FUZZ_CHECK(!selector_ok(trimmed_lower(bad)), "only invalid selectors are skipped");
  }
  if (d.reason == "no-selector")
    for (const auto& s : user->selectors) FUZZ_CHECK(trimmed_lower(s).empty(), "no-selector: all blank");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  StubDirectory dir;
  fill(in, dir);
  Request req = make_request(in);
  Decision d = decide(req, dir);
  static const std::set<std::string> kReasons = {"no-user",
                                                 "unknown-user",
                                                 "reauthenticating",
                                                 "no-selector",
                                                 "no-from",
                                                 "multiple-from",
                                                 "multiple-addresses",
                                                 "unparsable-from",
                                                 "invalid-from-domain",
                                                 "foreign-domain",
                                                 "no-key",
                                                 "already-signed",
                                                 "signed"};
  FUZZ_CHECK(kReasons.count(d.reason) == 1, "a documented reason");
  FUZZ_CHECK(d.sign == (d.reason == "signed"), "sign iff reason is signed");
  if (d.sign)
    check_signed(req, d, dir);
  else
    FUZZ_CHECK(d.keys.empty(), "no keys without signing");
  if (d.reason == "no-key") check_no_key(d, dir);
  check_selectors(d, dir);
  Decision again = decide(req, dir);
  FUZZ_CHECK(again.sign == d.sign && again.reason == d.reason && again.user == d.user, "deterministic");
  return 0;
}
