// SPDX-License-Identifier: MIT
#include "db/admin/percent_decode.h"

#include <cctype>

#include "filter/base/error.h"

namespace dkim::admin {

// RFC 3986 §2.1 percent-encoding as web forms and Python's urllib.quote
// produce it: %XX escapes, and '+' for a space from quote_plus (a literal
// '+' is always %2B there).
std::string percent_decode(const std::string& in) {
  std::string out;
  out.reserve(in.size());  // never reallocated: no stray copy of the key text
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= in.size() || !std::isxdigit(static_cast<unsigned char>(in[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(in[i + 2])))
        throw Error(ErrorKind::data, "key import: invalid percent-encoding");
      out += static_cast<char>(std::stoi(in.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace dkim::admin
