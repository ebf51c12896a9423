// SPDX-License-Identifier: MIT
// Postfix's idea of a message's size, as pipe(8) passes it in ${size}: not
// the bytes it hands over, but the length of the message's records in its
// queue file (cleanup(8) stores each line as one record: a type byte, the
// length in 7-bit groups, the text; a line over line_length_limit, 2048 by
// default, as several). Measured against Debian 12's Postfix 3.7 with
// tests/e2e/postfix.test.sh: a 20-octet line counts 22, a 200-octet one
// 203, a 3000-octet one 2051 + 955.
#pragma once
#include <cstddef>
#include <string_view>

namespace dkim::mail {

/// Postfix's default line_length_limit (postconf(5)).
constexpr std::size_t kPostfixLineLimit = 2048;

class PostfixQueueSize {
 public:
  /// Feeds the next bytes of the message as pipe(8) hands it over (LF line
  /// ends); a line may span any number of calls.
  void update(std::string_view data);
  /// The size of everything fed so far. An unterminated last line counts
  /// its octets only: a message cut anywhere counts less than the whole.
  unsigned long long total() const;

  /// The queue-file size of one line of `length` octets (its LF excluded).
  static unsigned long long line_size(unsigned long long length);

 private:
  unsigned long long total_ = 0;    // of the complete lines
  unsigned long long current_ = 0;  // octets of the current line so far
};

}  // namespace dkim::mail
