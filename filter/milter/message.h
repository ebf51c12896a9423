// SPDX-License-Identifier: MIT
// One message through the milter, apart from libmilter itself: the header
// fields rebuilt as Postfix will send them (header_field.h), the decision
// at the end of the header (the seven rules of dkim-filter(8) through the
// shared KeyCache), the body streamed into the body hashes, and at the end
// of the message the DKIM-Signature fields, each verified against the
// public key before it is handed back. Nothing is spooled and nothing of
// the message is changed: the only output is the fields to insert.
//
// Failures follow --on-error: tempfail answers 4xx, pass accepts the
// message unsigned. A malformed message is accepted unsigned, never
// refused. Exactly one log line per message (same keys as dkim-filter's).
#pragma once
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "filter/app/log_line.h"
#include "filter/dkim/signer.h"
#include "filter/mail/header_block.h"
#include "filter/mail/line_length.h"
#include "filter/milter/key_cache.h"
#include "filter/milter/options.h"

namespace dkim::milter {

/// What Postfix told us about the message (dkim-filter-milter(8), MACROS).
struct Envelope {
  std::string sender;     ///< MAIL FROM, without the angle brackets
  std::string sasl_user;  ///< {auth_authen}
  std::string client_ip;  ///< {client_addr}, else the connect address
  std::string queue_id;   ///< {i}, when already known
};

enum class Verdict {
  more,      ///< keep sending (the body is needed)
  accept,    ///< done: let the message through as it is (SMFIS_ACCEPT)
  tempfail,  ///< done: defer it (SMFIS_TEMPFAIL, 4xx)
};

class Message {
 public:
  Message(const Options& options, KeyCache& keys, Envelope envelope);

  void header(std::string_view name, std::string_view value);
  /// `queue_id`: {i} when known now (Postfix sends it with the header).
  Verdict end_of_header(std::string_view queue_id);
  void body(std::string_view chunk);
  /// `fields` receives the whole fields to insert, topmost first, each
  /// ending in CRLF (see insert_value() for the form libmilter takes).
  Verdict end_of_message(std::string_view queue_id, std::vector<std::string>& fields);

  /// True once the decision is final; log() is then the message's line.
  bool done() const { return done_; }
  const app::LogLine& log() const { return log_; }
  /// The header section as rebuilt (for tests).
  const std::string& wire_header() const { return header_; }

 private:
  Verdict finish(Verdict verdict, const std::string& decision, const std::string& reason);
  Verdict fail(const std::string& what);
  void sign(std::vector<std::string>& fields);

  const Options& options_;
  KeyCache& keys_;
  Envelope envelope_;
  std::string header_;
  bool header_too_large_ = false;
  mail::HeaderBlock block_;
  KeyedDecision decision_;
  long long timestamp_ = 0;
  std::unique_ptr<BodyHasher> hashers_[2];  // [simple, relaxed]
  mail::LongLineWatch long_lines_;
  app::LogLine log_;
  bool done_ = false;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace dkim::milter
