// SPDX-License-Identifier: MIT
#include "filter/dkim/canonicalize.h"

#include <array>
#include <cstring>

namespace dkim {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::size_t kFlushAt = 64 * 1024;

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Bytes that end an ordinary run: line-end bytes always, whitespace too in
// relaxed mode. A table keeps the scanning loop branch-light.
struct SpecialTable {
  std::array<bool, 256> simple{};
  std::array<bool, 256> relaxed{};
  constexpr SpecialTable() {
    simple['\r'] = simple['\n'] = true;
    relaxed['\r'] = relaxed['\n'] = relaxed[' '] = relaxed['\t'] = true;
  }
};
constexpr SpecialTable kSpecial;

// Removes the line breaks of folding (CRLF or bare LF) from a header value;
// a CR not followed by LF is data and stays (RFC 6376 §3.4.2 "unfold").
void unfold_relaxed_value(std::string_view value, std::string& out) {
  bool space = false;
  bool started = false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '\n' || (c == '\r' && i + 1 < value.size() && value[i + 1] == '\n')) continue;
    if (is_wsp(c)) {
      space = true;  // "Convert all sequences of one or more WSP characters to a single SP"
      continue;
    }
    // "Delete all WSP characters at the end/start of each unfolded header field value"
    if (space && started) out += ' ';
    space = false;
    started = true;
    out += c;
  }
}

}  // namespace

std::optional<Canonicalization> parse_canonicalization(std::string_view text) {
  auto word = [](std::string_view w) -> std::optional<Canon> {
    std::string l;
    for (char c : w) l += lower(c);
    if (l == "simple") return Canon::simple;
    if (l == "relaxed") return Canon::relaxed;
    return std::nullopt;
  };
  auto slash = text.find('/');
  auto header = word(text.substr(0, slash));
  auto body = slash == std::string_view::npos ? std::optional<Canon>(Canon::simple)
                                              : word(text.substr(slash + 1));
  if (!header || !body) return std::nullopt;
  return Canonicalization{*header, *body};
}

std::string canonicalization_name(Canonicalization c) {
  auto name = [](Canon x) { return x == Canon::simple ? "simple" : "relaxed"; };
  return std::string(name(c.header)) + "/" + name(c.body);
}

void canonicalize_header(Canon canon, std::string_view raw, std::string& out) {
  // Drop the field's own final line end; it is re-added as CRLF below.
  if (!raw.empty() && raw.back() == '\n') raw.remove_suffix(1);
  if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
  if (canon == Canon::simple) {
    // "The simple header canonicalization algorithm does not change header
    // fields in any way" — beyond the wire's CRLF line ends.
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r')) out += '\r';
      out += raw[i];
    }
    out += kCrlf;
    return;
  }
  auto colon = raw.find(':');
  std::string_view name = raw.substr(0, colon);
  while (!name.empty() && is_wsp(name.back())) name.remove_suffix(1);  // "Subject :"
  for (char c : name) out += lower(c);  // "Convert all header field names to lowercase"
  out += ':';
  if (colon != std::string_view::npos) unfold_relaxed_value(raw.substr(colon + 1), out);
  out += kCrlf;
}

BodyCanonicalizer::BodyCanonicalizer(Canon canon, Sink sink) : canon_(canon), sink_(std::move(sink)) {
  buffer_.reserve(kFlushAt + 1024);
}

void BodyCanonicalizer::emit(const char* data, std::size_t size) {
  if (buffer_.size() + size > kFlushAt) flush();
  if (size >= kFlushAt) {
    sink_(std::string_view(data, size));
    return;
  }
  buffer_.append(data, size);
}

void BodyCanonicalizer::flush() {
  if (!buffer_.empty()) sink_(buffer_);
  buffer_.clear();
}

// A run of line content: first release the empty lines withheld so far
// (they were not trailing after all) and any pending whitespace.
void BodyCanonicalizer::content(const char* data, std::size_t size) {
  for (; empty_lines_; --empty_lines_) emit(kCrlf.data(), 2);
  if (pending_space_) {
    emit(" ", 1);
    pending_space_ = false;
  }
  emit(data, size);
  line_has_content_ = true;
  any_content_ = true;
}

void BodyCanonicalizer::end_line() {
  pending_space_ = false;  // relaxed: "Ignore all whitespace at the end of lines"
  if (line_has_content_) {
    emit(kCrlf.data(), 2);
    line_has_content_ = false;
  } else {
    ++empty_lines_;  // "Ignore all empty lines at the end of the message body"
  }
}

void BodyCanonicalizer::update(const char* data, std::size_t size) {
  const auto& special = canon_ == Canon::relaxed ? kSpecial.relaxed : kSpecial.simple;
  const char* p = data;
  const char* end = data + size;
  while (p < end) {
    if (pending_cr_) {
      pending_cr_ = false;
      if (*p == '\n') {
        end_line();
        ++p;
        continue;
      }
      content("\r", 1);  // a lone CR is data
    }
    const char* q = p;
    while (q < end && !special[static_cast<unsigned char>(*q)]) ++q;
    if (q != p) {
      content(p, static_cast<std::size_t>(q - p));
      p = q;
      continue;
    }
    char c = *p++;
    if (c == '\r') {
      pending_cr_ = true;
    } else if (c == '\n') {
      end_line();
    } else {
      pending_space_ = true;  // relaxed: "Reduce all sequences of WSP within a line to a single SP"
    }
  }
}

void BodyCanonicalizer::finish() {
  if (pending_cr_) {
    pending_cr_ = false;
    content("\r", 1);
  }
  // A last line without its line end gets one, as SMTP transmission adds it.
  if (line_has_content_) end_line();
  // Simple: "If there is no body or no trailing CRLF on the message body, a
  // CRLF is added"; relaxed leaves an empty body empty (RFC 6376 erratum 3871).
  if (!any_content_ && canon_ == Canon::simple) emit(kCrlf.data(), 2);
  empty_lines_ = 0;
  flush();
}

std::string canonicalize_body(Canon canon, std::string_view body) {
  std::string out;
  BodyCanonicalizer c(canon, [&out](std::string_view s) { out.append(s); });
  c.update(body);
  c.finish();
  return out;
}

}  // namespace dkim
