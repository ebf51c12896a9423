// SPDX-License-Identifier: MIT
// Header canonicalization (RFC 6376 §3.4.1 simple, §3.4.2 relaxed) of every
// field mail::parse_header_block finds, checked against a reference written
// from the RFC text, plus: output is one CRLF-terminated line per field
// (relaxed) and canonicalizing canonical output changes nothing.
#include <cstdint>
#include <string>

#include "filter/dkim/canonicalize.h"
#include "filter/mail/header_block.h"
#include "fuzz_check.h"

using dkim::Canon;

namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

// The field's own line end (LF or CRLF) is not part of its content.
std::string_view without_final_eol(std::string_view raw) {
  if (!raw.empty() && raw.back() == '\n') raw.remove_suffix(1);
  if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
  return raw;
}

// §3.4.1: "does not change header fields in any way" — except that line ends
// are CRLF on the wire, so each bare LF is one.
std::string simple_reference(std::string_view raw) {
  raw = without_final_eol(raw);
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r')) out += '\r';
    out += raw[i];
  }
  return out + "\r\n";
}

// §3.4.2, step by step as the RFC lists them.
std::string relaxed_reference(std::string_view raw) {
  raw = without_final_eol(raw);
  auto colon = raw.find(':');
  std::string name(raw.substr(0, colon));
  std::string value(raw.substr(colon + 1));
  // "Convert all header field names ... to lowercase"; "Delete any WSP
  // characters remaining before and after the colon".
  while (!name.empty() && is_wsp(name.back())) name.pop_back();
  for (char& c : name)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  // "Unfold all header field continuation lines": remove CRLF (and a bare
  // LF, our input's line end) that precede WSP.
  std::string unfolded;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\r' && i + 1 < value.size() && value[i + 1] == '\n') continue;
    if (value[i] == '\n') continue;
    unfolded += value[i];
  }
  // "Convert all sequences of one or more WSP characters to a single SP";
  // "Delete all WSP characters at the end of each unfolded header field value".
  std::string reduced;
  bool space = false;
  for (char c : unfolded) {
    if (is_wsp(c)) {
      space = true;
      continue;
    }
    if (space && !reduced.empty()) reduced += ' ';
    space = false;
    reduced += c;
  }
  return name + ":" + reduced + "\r\n";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(fuzz::as_view(data, size));
  auto block = dkim::mail::parse_header_block(text);
  if (!block.problem.empty()) return 0;
  for (const auto& f : block.fields) {
    std::string simple, relaxed;
    dkim::canonicalize_header(Canon::simple, f.raw, simple);
    dkim::canonicalize_header(Canon::relaxed, f.raw, relaxed);
    FUZZ_CHECK(simple == simple_reference(f.raw), "simple header canonicalization equals the reference");
    FUZZ_CHECK(relaxed == relaxed_reference(f.raw), "relaxed header canonicalization equals the reference");
    // Relaxed output is a single line: only its last two bytes are a line end.
    auto body = std::string_view(relaxed).substr(0, relaxed.size() - 2);
    FUZZ_CHECK(body.find('\n') == std::string_view::npos, "relaxed output is unfolded");
    std::string again;
    dkim::canonicalize_header(Canon::relaxed, relaxed, again);
    FUZZ_CHECK(again == relaxed, "relaxed header canonicalization is idempotent");
    again.clear();
    dkim::canonicalize_header(Canon::simple, simple, again);
    FUZZ_CHECK(again == simple, "simple header canonicalization is idempotent");
  }
  return 0;
}
