// SPDX-License-Identifier: MIT
#include "filter/mail/line_length.h"

#include <cstring>

namespace dkim::mail {

void LongLineWatch::update(std::string_view data) {
  if (found_ || data.empty()) return;  // one long line is all the log needs
  const char* p = data.data();
  const char* end = p + data.size();
  while (p < end) {
    auto* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    if (!nl) {
      current_ += static_cast<std::size_t>(end - p);
      last_cr_ = end[-1] == '\r';
      if (current_ > kMaxLineLength + 1) found_ = true;  // even minus a final CR
      return;
    }
    std::size_t length = current_ + static_cast<std::size_t>(nl - p);
    bool cr = nl > p ? nl[-1] == '\r' : last_cr_;
    if (cr && length > 0) --length;
    if (length > kMaxLineLength) {
      found_ = true;
      return;
    }
    current_ = 0;
    last_cr_ = false;
    p = nl + 1;
  }
}

}  // namespace dkim::mail
