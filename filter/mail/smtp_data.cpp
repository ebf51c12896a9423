// SPDX-License-Identifier: MIT
#include "filter/mail/smtp_data.h"

#include <cstring>

namespace dkim::mail {

void SmtpDataEncoder::encode(std::string_view chunk, std::string& out) {
  std::size_t i = 0;
  while (i < chunk.size()) {
    if (line_start_ && chunk[i] == '.') out += '.';
    line_start_ = false;
    const void* found = std::memchr(chunk.data() + i, '\n', chunk.size() - i);
    std::size_t end =
        found ? static_cast<std::size_t>(static_cast<const char*>(found) - chunk.data()) : chunk.size();
    if (end > i) {
      out.append(chunk.data() + i, end - i);
      cr_ = chunk[end - 1] == '\r';
    }
    if (!found) break;
    if (!cr_) out += '\r';  // a CR that ended the previous chunk is this LF's
    out += '\n';
    cr_ = false;
    line_start_ = true;
    i = end + 1;
  }
}

void SmtpDataEncoder::finish(std::string& out) {
  if (!line_start_) out += cr_ ? "\n" : "\r\n";
  out += ".\r\n";
  line_start_ = true;
  cr_ = false;
}

}  // namespace dkim::mail
