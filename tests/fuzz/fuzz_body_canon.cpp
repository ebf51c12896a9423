// SPDX-License-Identifier: MIT
// Both body canonicalizers (RFC 6376 §3.4.3 simple, §3.4.4 relaxed), fed the
// same body in random chunk splits, must give exactly the one-shot
// canonicalize_body() result, which must equal the small line-by-line
// reference below — written from the RFC text, not from the product code.
//
// Input layout: byte 0 picks the split seed; the rest is the body.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "filter/dkim/canonicalize.h"
#include "fuzz_check.h"

using dkim::Canon;

namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

// Lines as the product defines them: a line ends at LF, and a CR right
// before that LF belongs to the line end (the MTAs hand us LF; CRLF input is
// accepted). A CR anywhere else is data. A last line without a line end is
// still a line; SMTP would give it one.
std::vector<std::string> split_lines(std::string_view body) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < body.size()) {
    auto nl = body.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? body.size() : nl;
    std::string line(body.substr(pos, end - pos));
    if (nl != std::string_view::npos && !line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
    pos = nl == std::string_view::npos ? body.size() : nl + 1;
  }
  return lines;
}

// RFC 6376 §3.4.4 a: "Ignore all whitespace at the end of lines" and
// b: "Reduce all sequences of WSP within a line to a single SP character".
std::string relax_line(const std::string& line) {
  std::string out;
  bool space = false;
  for (char c : line) {
    if (is_wsp(c)) {
      space = true;
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;  // a trailing WSP run is simply never written
}

std::string reference(Canon canon, std::string_view body) {
  std::vector<std::string> lines = split_lines(body);
  if (canon == Canon::relaxed)
    for (auto& l : lines) l = relax_line(l);
  // §3.4.3 / §3.4.4 c: "Ignore all empty lines at the end of the message body".
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  std::string out;
  for (const auto& l : lines) out += l + "\r\n";
  // §3.4.3: an empty body is one CRLF for simple; relaxed leaves it empty
  // (erratum 3871).
  if (out.empty() && canon == Canon::simple) out = "\r\n";
  return out;
}

std::string chunked(Canon canon, std::string_view body, std::uint8_t seed) {
  std::string out;
  dkim::BodyCanonicalizer c(canon, [&out](std::string_view s) { out.append(s); });
  std::minstd_rand rng(seed);
  std::size_t pos = 0;
  while (pos < body.size()) {
    // Mostly tiny chunks (splitting CR from LF, WSP runs, empty-line runs),
    // sometimes empty ones, sometimes large.
    std::size_t n = rng() % 8 == 0 ? rng() % 4096 : rng() % 4;
    n = std::min(n, body.size() - pos);
    c.update(body.data() + pos, n);
    pos += n;
  }
  c.finish();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::uint8_t seed = data[0];
  std::string body(fuzz::as_view(data + 1, size - 1));
  for (Canon canon : {Canon::simple, Canon::relaxed}) {
    std::string whole = dkim::canonicalize_body(canon, body);
    FUZZ_CHECK(whole == reference(canon, body), "one-shot canonicalization equals the RFC reference");
    FUZZ_CHECK(chunked(canon, body, seed) == whole, "chunked canonicalization equals one-shot");
    // Canonical output is canonical: a second pass changes nothing.
    FUZZ_CHECK(dkim::canonicalize_body(canon, whole) == whole, "canonicalization is idempotent");
  }
  return 0;
}
