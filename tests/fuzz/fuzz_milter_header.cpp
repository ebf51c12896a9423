// SPDX-License-Identifier: MIT
// dkim-filter-milter's header rebuild (filter/milter/header_field.h) on
// hostile name/value pairs as a milter receives them. The input is split at
// NUL bytes into name, value, name, value... (the milter protocol's own
// framing). Properties:
//   - append_wire_field is name ":" value with every LF as CRLF, and a final
//     CRLF: stripping exactly that gives the value back;
//   - for names that are field names (printable, no colon or space) and
//     values whose inner lines are continuations, mail::parse_header_block
//     reads the rebuilt section back as the same fields, in order;
//   - insert_value followed by what Postfix does with an inserted value
//     (append_wire_field with the value as given) returns the field.
#include <cstdint>
#include <string>
#include <vector>

#include "filter/mail/header_block.h"
#include "filter/milter/header_field.h"
#include "fuzz_check.h"

using dkim::milter::append_wire_field;
using dkim::milter::insert_value;

namespace {

std::string crlf_to_lf(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (!(s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n')) out += s[i];
  return out;
}

bool is_field_name(std::string_view n) {
  if (n.empty()) return false;
  for (char c : n)
    if (static_cast<unsigned char>(c) <= 32 || static_cast<unsigned char>(c) >= 127 || c == ':') return false;
  return true;
}

// Every LF in the value starts a continuation line; no CR anywhere (a CR
// is content Postfix keeps, but the parser may see a line end in it).
bool is_foldable_value(std::string_view v) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\r') return false;
    if (v[i] == '\n' && (i + 1 >= v.size() || (v[i + 1] != ' ' && v[i + 1] != '\t'))) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input = fuzz::as_view(data, size);
  std::vector<std::string> parts;
  for (std::size_t pos = 0; pos <= input.size();) {
    std::size_t nul = input.find('\0', pos);
    if (nul == std::string_view::npos) nul = input.size();
    parts.emplace_back(input.substr(pos, nul - pos));
    pos = nul + 1;
  }
  std::string section;
  std::vector<std::pair<std::string, std::string>> fields;
  bool parseable = true;
  for (std::size_t i = 0; i + 1 < parts.size(); i += 2) {
    const std::string& name = parts[i];
    const std::string& value = parts[i + 1];
    std::string one;
    append_wire_field(one, name, value);
    FUZZ_CHECK(one.size() >= name.size() + 3 && one.compare(0, name.size(), name) == 0 &&
                   one[name.size()] == ':' && one.compare(one.size() - 2, 2, "\r\n") == 0,
               "name, colon, ..., CRLF");
    std::string back = one.substr(name.size() + 1, one.size() - name.size() - 3);
    if (value.find('\r') == std::string::npos)
      FUZZ_CHECK(crlf_to_lf(back) == value, "the value comes back when its LFs were made CRLF");
    section += one;
    fields.emplace_back(name, value);
    parseable = parseable && is_field_name(name) && is_foldable_value(value);
  }
  if (parseable && !fields.empty()) {
    auto block = dkim::mail::parse_header_block(section);
    FUZZ_CHECK(block.problem.empty(), "a rebuilt section of well-formed fields parses");
    FUZZ_CHECK(block.fields.size() == fields.size(), "one parsed field per name/value pair");
    for (std::size_t i = 0; i < fields.size(); ++i) {
      FUZZ_CHECK(block.fields[i].name == fields[i].first, "same name");
      std::string_view v = block.fields[i].value();
      FUZZ_CHECK(v.size() >= 2 && crlf_to_lf(v.substr(0, v.size() - 2)) == fields[i].second, "same value");
    }
    // A field we would insert: LF inside, CRLF delivered, nothing else.
    std::string field;
    append_wire_field(field, fields[0].first, fields[0].second);
    std::string delivered;
    append_wire_field(delivered, fields[0].first, insert_value(field, true));
    FUZZ_CHECK(delivered == field, "an inserted field is delivered as written");
  }
  return 0;
}
