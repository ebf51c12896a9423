// SPDX-License-Identifier: MIT
#include "filter/mail/queue_size.h"

#include <cstring>

namespace dkim::mail {
namespace {

// One record: type byte, length (7 bits per byte, rec_put(3)), text.
unsigned long long record_size(unsigned long long length) {
  unsigned long long size = 1 + length;
  do {
    ++size;
    length >>= 7;
  } while (length);
  return size;
}

}  // namespace

unsigned long long PostfixQueueSize::line_size(unsigned long long length) {
  // cleanup_out(): while more than the limit is left, a continuation record
  // of exactly the limit; then one record with the rest (perhaps empty).
  unsigned long long size = 0;
  while (length > kPostfixLineLimit) {
    size += record_size(kPostfixLineLimit);
    length -= kPostfixLineLimit;
  }
  return size + record_size(length);
}

void PostfixQueueSize::update(std::string_view data) {
  const char* p = data.data();
  const char* end = p + data.size();
  while (p < end) {
    auto* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    if (!nl) {
      current_ += static_cast<unsigned long long>(end - p);
      return;
    }
    total_ += line_size(current_ + static_cast<unsigned long long>(nl - p));
    current_ = 0;
    p = nl + 1;
  }
}

// pipe(8) ends every line it hands over with LF: an unterminated last line
// is a cut one, and counts less than any complete line of that length.
unsigned long long PostfixQueueSize::total() const { return total_ + current_; }

}  // namespace dkim::mail
