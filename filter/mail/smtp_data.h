// SPDX-License-Identifier: MIT
// The DATA phase's wire form of a message (RFC 5321 §4.1.1.4, §4.5.2):
// every line ends in CRLF and a line that starts with "." gets one more,
// so the message can never end early; the end of data is CRLF "." CRLF.
// Streaming: chunks may split a CRLF or fall just before a leading dot.
#pragma once
#include <string>
#include <string_view>

namespace dkim::mail {

class SmtpDataEncoder {
 public:
  /// Appends the wire form of `chunk` to `out`: LF becomes CRLF, CRLF
  /// stays, a bare CR (not before LF) passes as it is, and "." at the start
  /// of a line is doubled (§4.5.2: "Before sending a line of mail text, the
  /// SMTP client checks the first character of the line. If it is a
  /// period, one additional period is inserted").
  void encode(std::string_view chunk, std::string& out);
  /// Appends the end of data: a line break if the message did not end with
  /// one, then ".\r\n" (§4.1.1.4).
  void finish(std::string& out);

 private:
  bool line_start_ = true;
  bool cr_ = false;  ///< the last byte encoded was CR
};

}  // namespace dkim::mail
