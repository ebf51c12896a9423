// SPDX-License-Identifier: MIT
// Watches a message stream for lines longer than RFC 5322 §2.1.1 allows:
// "Each line of characters MUST be no more than 998 characters, and SHOULD
// be no more than 78 characters, excluding the CRLF." Such a message is
// still signed, but an MTA may fold or cut the long line later (Postfix's
// smtp_line_length_limit), which breaks the body hash: the log says so.
#pragma once
#include <cstddef>
#include <string_view>

namespace dkim::mail {

constexpr std::size_t kMaxLineLength = 998;

class LongLineWatch {
 public:
  /// Feeds the next bytes; a line may span any number of calls. Line ends
  /// are LF or CRLF; the CR of a CRLF does not count.
  void update(std::string_view data);
  /// True once a line (the unterminated last one included) was longer than
  /// kMaxLineLength.
  bool found() const { return found_ || current_ > kMaxLineLength + (last_cr_ ? 1 : 0); }

 private:
  std::size_t current_ = 0;  // bytes of the current line so far, a CR included
  bool last_cr_ = false;     // the last byte seen was a CR
  bool found_ = false;
};

}  // namespace dkim::mail
