// SPDX-License-Identifier: MIT
#include "filter/mail/header_block.h"

#include "filter/mail/ascii.h"

namespace dkim::mail {
namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

// RFC 5322 §3.6.8 ftext: printable US-ASCII except colon.
bool is_ftext(char c) {
  auto u = static_cast<unsigned char>(c);
  return u >= 33 && u <= 126 && c != ':';
}

// RFC 5322 §2.2: a field is printable US-ASCII, SP and HTAB, its lines
// ended by CRLF. A CR that is not part of a line end would be signed as
// it is, and every verifier and relay treats it differently (Postfix and
// many others turn it into a line end), so such a signature never verifies.
bool has_bare_cr(std::string_view text) {
  for (std::size_t cr = text.find('\r'); cr != std::string_view::npos; cr = text.find('\r', cr + 1))
    if (cr + 1 == text.size() || text[cr + 1] != '\n') return true;
  return false;
}

// The end of the line starting at `pos` (one past its LF, or text end).
std::size_t line_end(std::string_view text, std::size_t pos) {
  auto nl = text.find('\n', pos);
  return nl == std::string_view::npos ? text.size() : nl + 1;
}

// Validates a field's first line and returns its name, or sets `problem`.
std::string_view field_name(std::string_view line, std::string& problem) {
  auto colon = line.find(':');
  if (colon == std::string_view::npos) {
    problem = "header line without a colon";
    return {};
  }
  std::string_view name = line.substr(0, colon);
  while (!name.empty() && is_wsp(name.back())) name.remove_suffix(1);  // obs-optional
  if (name.empty()) {
    problem = "header field with an empty name";
    return {};
  }
  for (char c : name) {
    if (!is_ftext(c)) {
      problem = "header field name with invalid characters";
      return {};
    }
  }
  return name;
}

}  // namespace

std::string_view HeaderField::value() const {
  auto colon = raw.find(':');
  return colon == std::string_view::npos ? std::string_view{} : raw.substr(colon + 1);
}

bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

HeaderBlock parse_header_block(std::string_view text) {
  HeaderBlock block;
  if (text.empty()) {
    block.problem = "empty header section";
    return block;
  }
  if (text.find('\0') != std::string_view::npos) {
    block.problem = "NUL byte in the header section";
    return block;
  }
  if (has_bare_cr(text)) {
    block.problem = "CR without LF in the header section";
    return block;
  }
  std::size_t first_end = line_end(text, 0);
  if (first_end >= 2 && text[first_end - 1] == '\n' && text[first_end - 2] == '\r') block.eol = "\r\n";
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (is_wsp(text[pos])) {
      block.problem = "header section starts with a continuation line";
      return block;
    }
    std::size_t start = pos;
    std::size_t end = line_end(text, pos);
    std::string_view name = field_name(text.substr(start, end - start), block.problem);
    if (!block.problem.empty()) return block;
    while (end < text.size() && is_wsp(text[end])) end = line_end(text, end);  // folded lines
    block.fields.push_back(HeaderField{text.substr(start, end - start), name});
    pos = end;
  }
  return block;
}

}  // namespace dkim::mail
