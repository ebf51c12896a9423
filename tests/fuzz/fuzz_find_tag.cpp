// SPDX-License-Identifier: MIT
// dkim::find_tag on hostile tag lists (it reads d= of DKIM-Signature fields
// already in the message, rule 6): never throws, never returns whitespace,
// and agrees with a reference reading of RFC 6376 §3.2 tag-list syntax.
//
// Input layout: byte 0 = tag name length (mod 4), then the name, then the list.
#include <cstdint>
#include <optional>
#include <string>

#include "filter/dkim/tag_list.h"
#include "fuzz_check.h"

namespace {

bool is_fws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_fws(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_fws(s.back())) s.remove_suffix(1);
  return s;
}

// tag-spec = [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS], separated by
// ";". The first spec with that name wins; FWS inside the value (folding of
// b= and bh=) is not part of it.
std::optional<std::string> reference(std::string_view list, std::string_view name) {
  std::size_t pos = 0;
  while (pos <= list.size()) {
    std::size_t semi = list.find(';', pos);
    std::string_view spec = list.substr(pos, semi == std::string_view::npos ? list.size() - pos : semi - pos);
    std::size_t eq = spec.find('=');
    if (eq != std::string_view::npos && trim(spec.substr(0, eq)) == name) {
      std::string value;
      for (char c : spec.substr(eq + 1))
        if (!is_fws(c)) value += c;
      return value;
    }
    if (semi == std::string_view::npos) break;
    pos = semi + 1;
  }
  return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::size_t name_len = std::min<std::size_t>(data[0] % 4, size - 1);
  std::string name(fuzz::as_view(data + 1, name_len));
  std::string list(fuzz::as_view(data + 1 + name_len, size - 1 - name_len));
  auto got = dkim::find_tag(list, name);
  if (got)
    for (char c : *got) FUZZ_CHECK(!is_fws(c), "a tag value never contains FWS");
  FUZZ_CHECK(got == reference(list, name), "find_tag equals the reference tag-list reading");
  return 0;
}
