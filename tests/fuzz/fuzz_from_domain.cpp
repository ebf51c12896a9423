// SPDX-License-Identifier: MIT
// From-address extraction (mail::from_domain / from_domain_of_value), the
// input to "which domain do we sign as". Two modes, picked by byte 0:
//  raw:        any bytes as the From value — never throws (mimetic is fenced
//              in), a found domain is a valid lower-case A-label name, and
//              the list form agrees with the single-value form;
//  structured: a real mailbox "<local@domain>" behind a hostile display
//              name or comment made of fuzz bytes — if a domain is found at
//              all, it is that mailbox's domain, never one smuggled in
//              through the display name or comment.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>
#include <vector>

#include "filter/mail/domain_name.h"
#include "filter/mail/from_domain.h"
#include "fuzz_check.h"

using dkim::mail::FromDomain;
using dkim::mail::FromProblem;

namespace {

void check_result(const FromDomain& r) {
  if (!r.ok()) {
    FUZZ_CHECK(r.domain.empty(), "no domain with a problem");
    FUZZ_CHECK(dkim::mail::reason(r.problem) != "ok", "a problem has a reason");
    return;
  }
  FUZZ_CHECK(dkim::mail::is_valid_domain(r.domain), "a found domain is a valid host name");
  FUZZ_CHECK(r.domain == dkim::mail::ascii_lower(r.domain), "a found domain is lower case");
  auto again = dkim::mail::normalize_domain(r.domain);
  FUZZ_CHECK(again && *again == r.domain, "a found domain is already normalized");
}

void raw_mode(std::string_view value) {
  FromDomain one = dkim::mail::from_domain_of_value(value);
  check_result(one);
  FromDomain list = dkim::mail::from_domain({std::string(value)});
  FUZZ_CHECK(list.problem == one.problem && list.domain == one.domain, "list of one equals the value");
  FUZZ_CHECK(
      dkim::mail::from_domain({std::string(value), std::string(value)}).problem == FromProblem::multiple_from,
      "two From fields are never signed");
  FUZZ_CHECK(dkim::mail::from_domain({}).problem == FromProblem::no_from, "no From field");
}

std::string pick(FuzzedDataProvider& in, std::string_view alphabet, std::size_t min, std::size_t max) {
  std::size_t n = in.ConsumeIntegralInRange<std::size_t>(min, max);
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += alphabet[in.ConsumeIntegral<std::uint8_t>() % alphabet.size()];
  return out;
}

std::string escaped(std::string_view text, std::string_view specials) {
  std::string out;
  for (char c : text) {
    if (specials.find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

void structured_mode(FuzzedDataProvider& in) {
  std::string local = pick(in, "abcxyz0189.!#$%&'*+-/=?^_`{|}~", 1, 12);
  std::string domain = pick(in, "abcxyz", 1, 6) + "." + pick(in, "abcEXAMPLE019-", 1, 10) + ".org";
  int shape = in.ConsumeIntegralInRange(0, 2);
  std::string hostile = in.ConsumeRemainingBytesAsString();
  std::string mailbox = local + "@" + domain;
  std::string value;
  switch (shape) {
    case 0:
      value = hostile + " <" + mailbox + ">";
      break;  // bare display name
    case 1:
      value = "\"" + escaped(hostile, "\"\\") + "\" <" + mailbox + ">";
      break;  // quoted display name
    default:
      value = mailbox + " (" + escaped(hostile, "()\\") + ")";
      break;  // trailing comment
  }
  value = " " + value + "\n";
  FromDomain r = dkim::mail::from_domain_of_value(value);
  check_result(r);
  if (r.ok()) FUZZ_CHECK(r.domain == dkim::mail::ascii_lower(domain), "the domain is the mailbox's own");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  if (data[0] % 2 == 0) {
    raw_mode(fuzz::as_view(data + 1, size - 1));
  } else {
    FuzzedDataProvider in(data + 1, size - 1);
    structured_mode(in);
  }
  return 0;
}
