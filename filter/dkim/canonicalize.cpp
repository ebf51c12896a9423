// SPDX-License-Identifier: MIT
#include "filter/dkim/canonicalize.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "filter/mail/ascii.h"
#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace dkim {
namespace {

constexpr std::string_view kCrlf = "\r\n";

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

// Bytes that end an ordinary run: line-end bytes always, whitespace too in
// relaxed mode. A table keeps the scanning loop branch-light.
// Byte classes for the relaxed body loop.
constexpr unsigned char kOrdinary = 0;
constexpr unsigned char kWhitespace = 1;
constexpr unsigned char kLineEnd = 2;  // CR or LF
constexpr std::array<unsigned char, 256> make_classes() {
  std::array<unsigned char, 256> t{};
  t[' '] = t['\t'] = kWhitespace;
  t['\r'] = t['\n'] = kLineEnd;
  return t;
}
constexpr auto kClass = make_classes();

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
    for (char c : w) l += mail::ascii_lower(c);
    if (l == "simple") return Canon::simple;
    if (l == "relaxed") return Canon::relaxed;
    return std::nullopt;
  };
  auto slash = text.find('/');
  auto header = word(text.substr(0, slash));
  auto body =
      slash == std::string_view::npos ? std::optional<Canon>(Canon::simple) : word(text.substr(slash + 1));
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
  for (char c : name) out += mail::ascii_lower(c);  // "Convert all header field names to lowercase"
  out += ':';
  if (colon != std::string_view::npos) unfold_relaxed_value(raw.substr(colon + 1), out);
  out += kCrlf;
}

namespace {

// Copies the longest prefix that relaxed canonicalization leaves as it is —
// no CR, LF or HTAB, and no SP followed by whitespace or a line end — 16
// bytes at a time; returns where it stopped. Typical text is mostly such
// runs, so the byte-wise state machine only sees the interesting bytes.
// Needs room for 16 bytes at `o` (update() reserves 2x the block).
inline const unsigned char* copy_plain_run(const unsigned char* p, const unsigned char* end, char*& o) {
#ifdef __SSE2__
  const __m128i sp = _mm_set1_epi8(' '), tab = _mm_set1_epi8('\t');
  const __m128i cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');
  while (end - p >= 17) {  // the look-ahead reads p[16]
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    __m128i n = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 1));
    __m128i special =
        _mm_or_si128(_mm_cmpeq_epi8(v, tab), _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf)));
    __m128i next_ws = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(n, sp), _mm_cmpeq_epi8(n, tab)),
                                   _mm_or_si128(_mm_cmpeq_epi8(n, cr), _mm_cmpeq_epi8(n, lf)));
    __m128i hit = _mm_or_si128(special, _mm_and_si128(_mm_cmpeq_epi8(v, sp), next_ws));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(o), v);
    unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(hit));
    if (mask == 0) {
      o += 16;
      p += 16;
      continue;
    }
    unsigned k = static_cast<unsigned>(__builtin_ctz(mask));
    o += k;
    return p + k;
  }
#else
  (void)end;
  (void)o;
#endif
  return p;
}

constexpr std::size_t kBufferSize = 256 * 1024;
constexpr std::size_t kBlock = 64 * 1024;  // input per block; output <= 2x
}  // namespace

BodyCanonicalizer::BodyCanonicalizer(Canon canon, Sink sink)
    : canon_(canon), sink_(std::move(sink)), buffer_(new char[kBufferSize]), out_(buffer_.get()) {}

void BodyCanonicalizer::flush() {
  if (out_ != buffer_.get())
    sink_(std::string_view(buffer_.get(), static_cast<std::size_t>(out_ - buffer_.get())));
  out_ = buffer_.get();
}

void BodyCanonicalizer::reserve(std::size_t bytes) {
  if (static_cast<std::size_t>(buffer_.get() + kBufferSize - out_) < bytes) flush();
}

// Empty lines turned out not to be trailing: write them now.
void BodyCanonicalizer::release_empty_lines() {
  while (empty_lines_) {
    reserve(2 * 1024);
    std::size_t n = std::min<std::size_t>(empty_lines_, 1024);
    for (std::size_t i = 0; i < n; ++i) {
      *out_++ = '\r';
      *out_++ = '\n';
    }
    empty_lines_ -= n;
  }
  reserve(2 * kBlock + 16);  // keep the room update() made for this block
}

void BodyCanonicalizer::update(const char* data, std::size_t size) {
  while (size > 0) {
    std::size_t n = std::min(size, kBlock);
    reserve(2 * n + 8);
    if (canon_ == Canon::simple)
      simple_block(data, data + n);
    else
      relaxed_block(data, data + n);
    data += n;
    size -= n;
  }
}

// Simple (RFC 6376 §3.4.3): lines are copied as they are; only the line end
// becomes CRLF and trailing empty lines are withheld.
void BodyCanonicalizer::simple_block(const char* p, const char* end) {
  if (pending_cr_ && p < end) {
    pending_cr_ = false;
    if (*p != '\n') {  // a lone CR is data
      if (!line_has_content_) release_empty_lines();
      *out_++ = '\r';
      line_has_content_ = any_content_ = true;
    }
    // else: the LF below ends the line the CR belonged to
  }
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    const char* stop = nl ? nl : end;
    const char* content_end = stop;
    if (content_end > p && content_end[-1] == '\r') --content_end;  // CR of CRLF (or a chunk-final CR)
    if (content_end > p) {
      if (!line_has_content_) release_empty_lines();
      std::memcpy(out_, p, static_cast<std::size_t>(content_end - p));
      out_ += content_end - p;
      line_has_content_ = any_content_ = true;
    }
    if (!nl) {
      pending_cr_ = content_end != stop;  // decided by the next chunk
      return;
    }
    if (line_has_content_) {
      *out_++ = '\r';
      *out_++ = '\n';
      line_has_content_ = false;
    } else {
      ++empty_lines_;  // "Ignore all empty lines at the end of the message body"
    }
    p = nl + 1;
  }
}

// Relaxed (RFC 6376 §3.4.4): whitespace runs become one SP, whitespace at
// line end goes, trailing empty lines are withheld. The state lives in
// plain locals (no lambda captures, no members) while the loop runs: stores
// through `o`, a char*, may alias anything whose address escaped, which
// would force a reload of every flag on every byte.
void BodyCanonicalizer::relaxed_block(const char* begin, const char* finish) {
  const auto* p = reinterpret_cast<const unsigned char*>(begin);
  const auto* end = reinterpret_cast<const unsigned char*>(finish);
  char* o = out_;
  bool has_content = line_has_content_;
  bool space = pending_space_;
  if (pending_cr_ && p < end) {
    pending_cr_ = false;
    if (*p == '\n') {
      ++p;
      space = false;
      if (has_content) {
        *o++ = '\r';
        *o++ = '\n';
        has_content = false;
      } else {
        ++empty_lines_;
      }
    } else {  // a lone CR is data
      o = begin_content(o, has_content, space);
      *o++ = '\r';
    }
  }
  while (p < end) {
    if (has_content && !space) p = copy_plain_run(p, end, o);
    if (p == end) break;
    unsigned char c = *p++;
    unsigned char kind = kClass[c];
    if (kind <= kWhitespace) {
      // Ordinary bytes and whitespace without a data-dependent branch: a
      // pending SP is written before an ordinary byte; whitespace only
      // marks one pending. Words are short, so a branch here would be
      // mispredicted at nearly every word boundary.
      bool ordinary = kind == kOrdinary;
      if (ordinary && !has_content) o = begin_content(o, has_content, space);  // once per line
      *o = ' ';
      o += space & ordinary;
      *o = static_cast<char>(c);
      o += ordinary;
      space = !ordinary;
      continue;
    }
    if (c == '\r') {
      if (p == end) {  // CR at the end of the chunk: the next one decides
        pending_cr_ = true;
        break;
      }
      if (*p != '\n') {  // a lone CR is data
        o = begin_content(o, has_content, space);
        *o++ = '\r';
        continue;
      }
      ++p;
    }
    space = false;  // "Ignore all whitespace at the end of lines"
    if (has_content) {
      *o++ = '\r';
      *o++ = '\n';
      has_content = false;
    } else {
      ++empty_lines_;  // "Ignore all empty lines at the end of the message body"
    }
  }
  line_has_content_ = has_content;
  pending_space_ = space;
  out_ = o;
}

// The first content of a line: the empty lines withheld before it were not
// trailing after all. Writes them and a pending SP; returns the new cursor.
char* BodyCanonicalizer::begin_content(char* o, bool& has_content, bool& space) {
  if (!has_content) {
    if (empty_lines_) {
      out_ = o;
      release_empty_lines();
      o = out_;
    }
    has_content = any_content_ = true;
  }
  if (space) {
    *o++ = ' ';
    space = false;
  }
  return o;
}

void BodyCanonicalizer::finish() {
  reserve(8);
  if (pending_cr_) {
    pending_cr_ = false;
    if (!line_has_content_) release_empty_lines();
    if (pending_space_) *out_++ = ' ';
    pending_space_ = false;
    *out_++ = '\r';
    line_has_content_ = any_content_ = true;
  }
  // A last line without its line end gets one, as SMTP transmission adds it.
  if (line_has_content_) {
    *out_++ = '\r';
    *out_++ = '\n';
    line_has_content_ = false;
  }
  // Simple: "If there is no body or no trailing CRLF on the message body, a
  // CRLF is added"; relaxed leaves an empty body empty (RFC 6376 erratum 3871).
  if (!any_content_ && canon_ == Canon::simple) {
    *out_++ = '\r';
    *out_++ = '\n';
  }
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
