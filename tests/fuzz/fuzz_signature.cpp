// SPDX-License-Identifier: MIT
// The DKIM-Signature writer/folder (RFC 6376 §3.5) with random tags:
//  - every line is at most 78 characters, unless it holds a single token
//    that cannot be folded (a tag value may not contain FWS, §3.2);
//  - the form that is hashed (b= empty) equals the output with the b= value
//    and the folds inside it removed (§3.7), byte for byte;
//  - find_tag reads every tag back from the output.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>

#include "filter/dkim/signature.h"
#include "filter/dkim/tag_list.h"
#include "fuzz_check.h"

namespace {

std::string token(FuzzedDataProvider& in, std::string_view alphabet, std::size_t max) {
  std::size_t n = in.ConsumeIntegralInRange<std::size_t>(1, max);
  std::string out;
  for (std::size_t i = 0; i < n && in.remaining_bytes(); ++i)
    out += alphabet[in.ConsumeIntegral<std::uint8_t>() % alphabet.size()];
  return out.empty() ? std::string(1, alphabet[0]) : out;
}

constexpr std::string_view kDomainChars = "abcdefghijklmnopqrstuvwxyz0123456789-.";
constexpr std::string_view kNameChars = "abcdefghijklmnopqrstuvwxyz0123456789-";
constexpr std::string_view kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";

dkim::SignatureTags make_tags(FuzzedDataProvider& in) {
  dkim::SignatureTags t;
  t.algorithm = in.ConsumeBool() ? "rsa-sha256" : "ed25519-sha256";
  t.canon.header = in.ConsumeBool() ? dkim::Canon::relaxed : dkim::Canon::simple;
  t.canon.body = in.ConsumeBool() ? dkim::Canon::relaxed : dkim::Canon::simple;
  t.domain = token(in, kDomainChars, 253);
  t.selector = token(in, kDomainChars, 100);
  t.timestamp = in.ConsumeIntegral<long long>();
  if (in.ConsumeBool()) t.expiry = in.ConsumeIntegral<long long>();
  std::size_t headers = in.ConsumeIntegralInRange<std::size_t>(0, 40);
  for (std::size_t i = 0; i < headers; ++i) t.headers.push_back(token(in, kNameChars, 30));
  t.body_hash = token(in, kBase64, 44);
  return t;
}

// Every line (split at `eol`) within the limit, or a single unfoldable token.
void check_line_lengths(const std::string& field, std::string_view eol) {
  FUZZ_CHECK(field.size() >= eol.size() && field.compare(field.size() - eol.size(), eol.size(), eol) == 0,
             "the field ends with the line end");
  std::size_t pos = 0;
  while (pos < field.size()) {
    std::size_t end = field.find(eol, pos);
    FUZZ_CHECK(end != std::string::npos, "every line is terminated");
    std::string_view line(field.data() + pos, end - pos);
    FUZZ_CHECK(line.find('\n') == std::string_view::npos && line.find('\r') == std::string_view::npos,
               "no stray line-end bytes");
    if (pos > 0) FUZZ_CHECK(!line.empty() && line[0] == ' ', "continuation lines start with WSP");
    if (line.size() > dkim::kMaxLineLength) {
      std::string_view body = pos > 0 ? line.substr(1) : line;
      FUZZ_CHECK(body.find(' ') == std::string_view::npos,
                 "a line over 78 characters holds one unfoldable token");
    }
    pos = end + eol.size();
  }
}

std::string remove_folds(std::string_view text, std::string_view eol) {
  std::string fold = std::string(eol) + " ";
  std::string out;
  std::size_t pos = 0;
  for (std::size_t hit; (hit = text.find(fold, pos)) != std::string_view::npos; pos = hit + fold.size())
    out.append(text.substr(pos, hit - pos));
  out.append(text.substr(pos));
  return out;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ":") + n;
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  std::string eol = in.ConsumeBool() ? "\r\n" : "\n";
  dkim::SignatureTags tags = make_tags(in);
  std::string b = in.ConsumeBool() ? std::string() : token(in, kBase64, 1400);

  std::string hashed = dkim::write_signature_field(tags, "", eol);
  std::string output = dkim::write_signature_field(tags, b, eol);
  check_line_lengths(hashed, eol);
  check_line_lengths(output, eol);

  // The output is the hashed form up to "b=", then the b= value, possibly
  // folded, then the line end.
  std::string head = hashed.substr(0, hashed.size() - eol.size());
  FUZZ_CHECK(head.size() >= 2 && head.compare(head.size() - 2, 2, "b=") == 0, "hashed form ends with b=");
  FUZZ_CHECK(output.compare(0, head.size(), head) == 0, "output starts with the hashed form");
  FUZZ_CHECK(remove_folds(std::string_view(output).substr(head.size()), eol) == b + eol,
             "after b= the output is the b value plus folds");

  // Every tag can be read back.
  std::string prefix = std::string(dkim::kSignatureFieldName) + ":";
  FUZZ_CHECK(output.compare(0, prefix.size(), prefix) == 0, "field name first");
  std::string_view value = std::string_view(output).substr(prefix.size());
  auto expect = [&](const char* name, const std::string& want) {
    auto got = dkim::find_tag(value, name);
    FUZZ_CHECK(got && *got == want, name);
  };
  expect("v", "1");
  expect("a", tags.algorithm);
  expect("c", dkim::canonicalization_name(tags.canon));
  expect("d", tags.domain);
  expect("s", tags.selector);
  expect("t", std::to_string(tags.timestamp));
  if (tags.expiry)
    expect("x", std::to_string(*tags.expiry));
  else
    FUZZ_CHECK(!dkim::find_tag(value, "x"), "no x= without expiry");
  if (!tags.headers.empty()) expect("h", joined(tags.headers));
  expect("bh", tags.body_hash);
  expect("b", b);
  FUZZ_CHECK(!dkim::find_tag(value, "l"), "never l=");
  return 0;
}
