// SPDX-License-Identifier: MIT
// mimetic parses addresses leniently and has sharp edges (a lone ":" makes
// it throw std::length_error; "(x a@b.c" yields the local part "(xa";
// "a@b.c (x, y)" becomes two addresses). So this file first checks the
// value's structure itself - quotes, comments, angle brackets, list commas,
// group colons - strips comments, and hands mimetic only one well-formed
// element; then it checks what mimetic returns.
#include "filter/mail/from_domain.h"

#include <mimetic/rfc822/addresslist.h>

#include <optional>

#include "filter/mail/domain_name.h"

namespace dkim::mail {
namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

/// RFC 5322 §2.2.3 unfolding: a line break followed by WSP is removed. Any
/// other CR or LF, NUL or control character makes the value unparsable; a
/// line break at the very end (field terminator) is dropped.
std::optional<std::string> unfold(std::string_view raw) {
  while (!raw.empty() && (raw.back() == '\n' || raw.back() == '\r')) raw.remove_suffix(1);
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') {
      ++i;  // CRLF counts as one line break
      c = '\n';
    }
    if (c == '\n' || c == '\r') {
      if (i + 1 >= raw.size() || !is_wsp(raw[i + 1])) return std::nullopt;
      continue;
    }
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7F) return std::nullopt;
    out += c;
  }
  return out;
}

/// What the structural scan found in an unfolded value.
struct Shape {
  bool well_formed = false;
  bool group = false;                 ///< a top-level ':' (RFC 6854 group)
  std::vector<std::string> elements;  ///< non-blank list elements, comments removed
};

/// One pass over an unfolded value, RFC 5322 §3.2-3.4 lexically: quoted
/// strings, nested comments, domain literals, quoted-pairs, one angle-addr
/// per element, list commas and group colons outside angle brackets.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  Shape run() {
    for (pos_ = 0; pos_ < text_.size(); ++pos_)
      if (!step(text_[pos_])) return std::move(shape_);
    bool open = in_quote_ || in_literal_ || comment_depth_ > 0 || angle_ == Angle::open;
    if (open || (shape_.group && !group_closed_)) return std::move(shape_);
    end_element();
    shape_.well_formed = true;
    return std::move(shape_);
  }

 private:
  enum class Angle { none, open, closed };

  bool step(char c) {
    if (comment_depth_ > 0) return comment_char(c);
    if (in_quote_ || in_literal_) return quoted_char(c);
    if (is_wsp(c)) return append(c);
    if (need_separator_ && c != ',' && c != '(') return false;  // text after "g: ...;"
    switch (c) {
      case '(':
        comment_depth_ = 1;
        return append(' ');  // a comment is CFWS: it still separates words
      case ')':
      case ']':
      case '\\':
        return false;  // unmatched, or a quoted-pair outside quotes
      case '"':
        in_quote_ = true;
        return angle_ != Angle::closed && append(c);
      case '[':  // a domain literal comes after an '@' only
        in_literal_ = true;
        return angle_ != Angle::closed && seen_at_ && append(c);
      case '<':  // one angle-addr per element, no '@' in the display name
        if (angle_ != Angle::none || seen_at_) return false;
        angle_ = Angle::open;
        return append(c);
      case '>':
        if (angle_ != Angle::open) return false;
        angle_ = Angle::closed;
        return append(c);
      case ',':
      case ':':
      case ';':
        if (angle_ == Angle::open) return append(c);  // obs-route "<@a,@b:x@y>"
        return separator(c);
      case '@':
        seen_at_ = true;
        [[fallthrough]];
      default:
        return angle_ != Angle::closed && append(c);  // only CFWS after '>'
    }
  }

  bool append(char c) {
    current_ += c;
    return true;
  }

  bool comment_char(char c) {
    if (c == '\\') return ++pos_ < text_.size();
    if (c == '(') ++comment_depth_;
    if (c == ')') --comment_depth_;
    return true;
  }

  bool quoted_char(char c) {
    current_ += c;
    if (c == '\\') {
      if (++pos_ >= text_.size()) return false;
      current_ += text_[pos_];
      return true;
    }
    if (in_literal_ && c == '[') return false;
    if (in_quote_ && c == '"') in_quote_ = false;
    if (in_literal_ && c == ']') in_literal_ = false;
    return true;
  }

  bool separator(char c) {
    if (c == ':') {  // "name: member, member;" - RFC 5322 §3.4 group
      if (shape_.group || angle_ != Angle::none || seen_at_) return false;
      shape_.group = true;
      current_.clear();
      return true;
    }
    if (c == ';') {
      if (!shape_.group || group_closed_) return false;
      group_closed_ = need_separator_ = true;
    } else {
      need_separator_ = false;
    }
    end_element();
    return true;
  }

  void end_element() {
    // Trimmed: mimetic misreads "<a@b.c> " (trailing space) as "<a" @ "b.c>".
    std::size_t begin = current_.find_first_not_of(" \t");
    if (begin != std::string::npos) {
      std::size_t end = current_.find_last_not_of(" \t");
      shape_.elements.push_back(current_.substr(begin, end - begin + 1));
    }
    current_.clear();
    angle_ = Angle::none;
    seen_at_ = false;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  Shape shape_;
  std::string current_;
  int comment_depth_ = 0;
  bool in_quote_ = false;
  bool in_literal_ = false;
  Angle angle_ = Angle::none;
  bool seen_at_ = false;
  bool group_closed_ = false;
  bool need_separator_ = false;
};

/// The addr-spec of an element: inside "<...>" if there is one, else all.
std::string_view addr_spec_part(std::string_view element) {
  // The scanner guarantees at most one top-level '<'; a '<' inside a quoted
  // display name comes before it, so take the last one.
  std::size_t open = std::string_view::npos;
  bool quoted = false;
  for (std::size_t i = 0; i < element.size(); ++i) {
    char c = element[i];
    if (c == '\\' && quoted)
      ++i;
    else if (c == '"')
      quoted = !quoted;
    else if (c == '<' && !quoted)
      open = i;
  }
  if (open == std::string_view::npos) return element;
  std::size_t close = element.find('>', open);
  return element.substr(open + 1, close - open - 1);
}

/// RFC 5322 §3.4.1 (with obs-local-part / obs-domain CFWS around dots):
/// inside an addr-spec, white space may only touch '.', '@', ':' or ','.
/// Rejects "John a@b.c", which mimetic would read as "Johna@b.c".
bool addr_spec_spacing_ok(std::string_view spec) {
  auto is_joint = [](char c) { return c == '.' || c == '@' || c == ':' || c == ','; };
  bool quoted = false;
  char previous = '\0';  // last non-WSP character outside quotes
  bool gap = false;
  for (std::size_t i = 0; i < spec.size(); ++i) {
    char c = spec[i];
    if (quoted) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        quoted = false;
      previous = c;
      continue;
    }
    if (is_wsp(c)) {
      gap = previous != '\0';
      continue;
    }
    if (gap && !is_joint(previous) && !is_joint(c)) return false;
    gap = false;
    if (c == '"') quoted = true;
    previous = c;
  }
  return true;
}

/// RFC 5322 §3.2.3 atext, plus 8-bit bytes (RFC 6532 UTF-8 local parts).
bool is_atext(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x80) return true;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

/// What mimetic returned as the local part must be a dot-atom or a quoted
/// string; anything else means it misread the value.
bool local_part_ok(std::string_view local) {
  if (local.size() >= 2 && local.front() == '"' && local.back() == '"') return true;
  bool has_atom = false;
  for (char c : local) {
    if (c == '.') continue;
    if (!is_atext(c)) return false;
    has_atom = true;
  }
  return has_atom;
}

/// mimetic reads one element already known to be a single, balanced
/// mailbox without comments. It is still not trusted: everything it throws
/// is caught and what it returns is checked.
FromDomain parse_mailbox(const std::string& element) {
  std::string local;
  std::string domain;
  try {
    mimetic::AddressList list(element);
    if (list.size() != 1 || list.front().isGroup()) return {FromProblem::unparsable, {}};
    const mimetic::Mailbox& mailbox = list.front().mailbox();
    local = mailbox.mailbox();
    domain = mailbox.domain();
  } catch (...) {
    return {FromProblem::unparsable, {}};
  }
  if (!local_part_ok(local) || domain.empty()) return {FromProblem::unparsable, {}};
  auto normalized = normalize_domain(domain);
  if (!normalized) return {FromProblem::invalid_domain, {}};
  return {FromProblem::none, *normalized};
}

}  // namespace

FromDomain from_domain_of_value(std::string_view value) {
  // Cap before any work on the bytes, then again after unfolding.
  if (value.size() > 4 * kMaxFromValueLength) return {FromProblem::unparsable, {}};
  std::optional<std::string> unfolded = unfold(value);
  if (!unfolded || unfolded->size() > kMaxFromValueLength) return {FromProblem::unparsable, {}};
  Shape shape = Scanner(*unfolded).run();
  if (!shape.well_formed) return {FromProblem::unparsable, {}};
  // RFC 6854 allows a group in From, but then no single author's domain
  // can be told: a group of one, or an empty group, is not signed either.
  if (shape.group || shape.elements.size() > 1) return {FromProblem::multiple_addresses, {}};
  if (shape.elements.empty()) return {FromProblem::unparsable, {}};
  const std::string& element = shape.elements.front();
  if (!addr_spec_spacing_ok(addr_spec_part(element))) return {FromProblem::unparsable, {}};
  return parse_mailbox(element);
}

FromDomain from_domain(const std::vector<std::string>& from_values) {
  if (from_values.empty()) return {FromProblem::no_from, {}};
  // RFC 5322 §3.6: From occurs exactly once.
  if (from_values.size() > 1) return {FromProblem::multiple_from, {}};
  return from_domain_of_value(from_values.front());
}

std::string_view reason(FromProblem problem) {
  switch (problem) {
    case FromProblem::none:
      return "ok";
    case FromProblem::no_from:
      return "no-from";
    case FromProblem::multiple_from:
      return "multiple-from";
    case FromProblem::multiple_addresses:
      return "multiple-addresses";
    case FromProblem::unparsable:
      return "unparsable-from";
    case FromProblem::invalid_domain:
      return "invalid-from-domain";
  }
  return "unparsable-from";
}

}  // namespace dkim::mail
