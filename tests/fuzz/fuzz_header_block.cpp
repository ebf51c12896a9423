// SPDX-License-Identifier: MIT
// mail::parse_header_block on any bytes: never throws, and when it accepts a
// section its fields tile the text exactly (no byte lost, added or moved —
// the filter re-emits and hashes these views) and it holds no CR outside a
// CRLF line end (RFC 5322 §2.2).
#include <cstdint>
#include <string>

#include "filter/mail/header_block.h"
#include "fuzz_check.h"

using dkim::mail::HeaderBlock;

namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

void check_accepted(std::string_view text, const HeaderBlock& block) {
  std::size_t pos = 0;
  for (const auto& f : block.fields) {
    FUZZ_CHECK(f.raw.data() == text.data() + pos, "fields are contiguous views of the input");
    FUZZ_CHECK(!f.raw.empty() && !is_wsp(f.raw[0]), "a field starts with a non-WSP byte");
    FUZZ_CHECK(!f.name.empty() && f.raw.substr(0, f.name.size()) == f.name, "name is the field's prefix");
    auto rest = f.raw.substr(f.name.size());
    while (!rest.empty() && is_wsp(rest.front())) rest.remove_prefix(1);
    FUZZ_CHECK(!rest.empty() && rest.front() == ':', "the name is followed by optional WSP and a colon");
    for (char c : f.name)
      FUZZ_CHECK(static_cast<unsigned char>(c) > 32 && static_cast<unsigned char>(c) < 127 && c != ':',
                 "field name is ftext");
    FUZZ_CHECK(f.value().data() == rest.data() + 1, "value() starts right after the colon");
    // Every line break inside a field is followed by WSP (a fold); the last
    // line of the field ends the field.
    for (std::size_t i = 0; i + 1 < f.raw.size(); ++i)
      if (f.raw[i] == '\n') FUZZ_CHECK(is_wsp(f.raw[i + 1]), "an inner line is a continuation");
    pos += f.raw.size();
    if (pos < text.size()) FUZZ_CHECK(f.raw.back() == '\n', "a field that is not last ends with LF");
  }
  FUZZ_CHECK(pos == text.size(), "fields cover the whole header section");
  for (std::size_t cr = text.find('\r'); cr != std::string_view::npos; cr = text.find('\r', cr + 1))
    FUZZ_CHECK(cr + 1 < text.size() && text[cr + 1] == '\n', "an accepted section has no bare CR");
  bool crlf_first = false;
  auto nl = text.find('\n');
  if (nl != std::string_view::npos && nl > 0 && text[nl - 1] == '\r') crlf_first = true;
  FUZZ_CHECK(block.eol == (crlf_first ? "\r\n" : "\n"), "eol is the first line's line end");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A private copy: the views must point into it, and ASan catches reads
  // past its end.
  std::string text(fuzz::as_view(data, size));
  HeaderBlock block = dkim::mail::parse_header_block(text);
  if (block.problem.empty()) {
    check_accepted(text, block);
  } else {
    FUZZ_CHECK(block.problem.size() < 200, "problem is a short message");
  }
  // same_name is symmetric and reflexive.
  if (block.fields.size() >= 2) {
    auto a = block.fields[0].name, b = block.fields[1].name;
    FUZZ_CHECK(dkim::mail::same_name(a, b) == dkim::mail::same_name(b, a), "same_name symmetric");
    FUZZ_CHECK(dkim::mail::same_name(a, a), "same_name reflexive");
  }
  return 0;
}
