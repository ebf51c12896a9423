// SPDX-License-Identifier: MIT
#include "filter/app/filter_run.h"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <memory>

#include "filter/app/log_line.h"
#include "filter/app/output.h"
#include "filter/app/plan.h"
#include "filter/app/smtp_output.h"
#include "filter/base/error.h"
#include "filter/crypto/key.h"
#include "filter/mail/fd_io.h"
#include "filter/mail/line_length.h"
#include "filter/mail/message_input.h"
#include "filter/mail/queue_size.h"
#include "filter/mail/spool.h"

namespace dkim::app {
namespace {

constexpr std::size_t kBodyBlock = 256 * 1024;

// Room kept in front of the spooled message for the DKIM-Signature fields
// (see mail::Spool::prepend): a few kB per signature, even with h= at its
// 50-instances cap.
constexpr std::size_t kFieldRoom = 64 * 1024;

class Run {
 public:
  explicit Run(const Options& o)
      : o_(o),
        input_(0),
        sendmail_(o.sendmail, o.sender, o.recipients),
        smtp_(o.smtp, o.sender, o.recipients),
        started_(std::chrono::steady_clock::now()) {
    log_.set("queue_id", o.queue_id);
    log_.set("sender", o.sender);
    log_.set("user", o.sasl_user.empty() ? o.client_ip : o.sasl_user);
  }

  // Every outcome, including a failure that defers the message, leaves
  // exactly one log line.
  int run() {
    try {
      return run_message();
    } catch (const Error& e) {
      return fail(e);
    }
  }

 private:
  // dkim-filter(8) --on-error, the one rule for a failure in any stage
  // (configuration file, database, keys, signing): the message is deferred
  // (the error propagates: exit 75), or with --on-error pass it is sent on
  // unsigned and the error logged; the caller then records reason=error. A
  // bad command line (64) is never passed over.
  void pass_unsigned_or_rethrow(const Error& e) {
    if (e.kind() == ErrorKind::usage || o_.on_error == OnError::tempfail) throw e;
    log_.set("error", e.what());
  }

  int run_message() {
    long long now = o_.timestamp ? *o_.timestamp : static_cast<long long>(std::time(nullptr));
    std::unique_ptr<Planner> planner;
    // A broken config file: no database and none of the file's values.
    if (!o_.config_problem.empty()) {
      pass_unsigned_or_rethrow(Error(ErrorKind::config, o_.config_problem));
    } else {
      try {
        planner = o_.key_file.empty() ? make_database_planner(o_, now) : make_explicit_key_planner(o_, now);
      } catch (const Error& e) {
        pass_unsigned_or_rethrow(e);
      }
    }
    input_.read_header_section();
    watch_.update(input_.header());
    watch_.update(input_.separator());
    Plan plan = decide(planner.get());
    if (plan.signatures.empty()) return pass_unsigned(plan.reason);
    return sign(plan);
  }

  Plan decide(Planner* planner) {
    Plan plan;
    if (!planner) {  // the failure is logged already
      plan.reason = "error";
      return plan;
    }
    if (input_.header_too_large()) {
      plan.reason = "header-too-large";
      return plan;
    }
    headers_ = mail::parse_header_block(input_.header());
    if (!headers_.problem.empty()) {
      plan.reason = "malformed";
      log_.set("problem", headers_.problem);
      return plan;
    }
    try {
      return planner->plan(headers_, log_);
    } catch (const Error& e) {
      pass_unsigned_or_rethrow(e);
      plan.reason = "error";
      return plan;
    }
  }

  // Reads the rest of the body, handing each chunk to `use`; then checks
  // that the whole message came (--size).
  template <typename Use>
  void for_each_body_chunk(Use use) {
    std::unique_ptr<char[]> buffer(new char[kBodyBlock]);  // not zero-filled: untouched pages cost nothing
    // Keys are loaded and the database is closed, but the frames that read
    // them (SQLite's, the key decoder's, OpenSSL's) left copies below us;
    // wipe them before the body's reads, which may wait for a long time.
    // (Right before the reads, after the callers' own set-up: scrubbing
    // earlier was not enough under AddressSanitizer, tests/cli/key_memory.)
    crypto::scrub_stack();
    unsigned long long bytes = input_.header().size() + input_.separator().size();
    mail::PostfixQueueSize queue_size;
    if (o_.size) {
      queue_size.update(input_.header());
      queue_size.update(input_.separator());
    }
    for (auto chunk = input_.read_body(buffer.get(), kBodyBlock); !chunk.empty();
         chunk = input_.read_body(buffer.get(), kBodyBlock)) {
      bytes += chunk.size();
      watch_.update(chunk);
      if (o_.size) queue_size.update(chunk);
      use(chunk);
    }
    if (watch_.found()) log_.set("long-lines", "yes");
    check_size(bytes, queue_size.total());
  }

  // pipe(8)'s ${size} is the size Postfix stored (as queue-file records,
  // mail::PostfixQueueSize); a plain byte count is taken too. Anything
  // else means the message was cut (or grew) on its way to us. Such a
  // message must never be sent, whatever --on-error says: defer it, the MTA
  // still has the whole one.
  void check_size(unsigned long long bytes, unsigned long long queue_size) {
    if (!o_.size) return;
    auto want = static_cast<unsigned long long>(*o_.size);
    if (want == queue_size || want == bytes) return;
    throw Error(ErrorKind::temporary, "input: read " + std::to_string(bytes) + " bytes (" +
                                          std::to_string(queue_size) + " as Postfix counts), --size says " +
                                          std::to_string(want) + ": message incomplete, deferred");
  }

  // Streams the message through untouched.
  int pass_unsigned(const std::string& reason) {
    log_.set("decision", "unsigned");
    log_.set("reason", reason);
    if (o_.to_stdout) {
      return deliver_stdout([&](int fd) {
        mail::write_all(fd, input_.header());
        mail::write_all(fd, input_.separator());
        for_each_body_chunk([fd](std::string_view chunk) { mail::write_all(fd, chunk); });
      });
    }
    mail::Spool spool(o_.spool_dir);
    spool.write(input_.header());
    spool.write(input_.separator());
    for_each_body_chunk([&](std::string_view chunk) { spool.write(chunk); });
    return deliver_spool(spool);
  }

  int sign(Plan& plan) {
    // Re-injection: the spool becomes the whole output message, the fields
    // go into the room kept in front of it. Exim: only the body is spooled,
    // and not even that when it can be read again from the input file.
    bool whole = !o_.to_stdout;
    mail::Spool spool(o_.spool_dir, mail::Spool::kMemoryLimit, whole ? kFieldRoom : 0);
    if (whole) {
      spool.write(input_.header());
      spool.write(input_.separator());
    }
    bool spool_body = whole || !input_.rereadable();
    // One body hash per body canonicalization, shared by the signatures
    // that use it (dual RSA + Ed25519 signing hashes the body once).
    std::unique_ptr<BodyHasher> hashers[2];
    for (auto& s : plan.signatures) {
      auto& h = hashers[s.options.canon.body == Canon::relaxed];
      if (!h) h = std::make_unique<BodyHasher>(s.options.canon.body);
    }
    for_each_body_chunk([&](std::string_view chunk) {
      for (auto& h : hashers)
        if (h) h->update(chunk);
      if (spool_body) spool.write(chunk);
    });
    std::string body_hash[2];
    for (int i = 0; i < 2; ++i)
      if (hashers[i]) body_hash[i] = hashers[i]->finish();

    std::string fields;
    try {
      fields = make_fields(plan, body_hash);
    } catch (const Error& e) {
      pass_unsigned_or_rethrow(e);
      fields.clear();
      plan.reason = "error";
    }
    log_.set("decision", fields.empty() ? "unsigned" : "signed");
    log_.set("reason", plan.reason);
    if (whole) {
      spool.prepend(fields);
      return deliver_spool(spool);
    }
    return deliver_stdout([&](int fd) {
      mail::write_all(fd, fields);
      mail::write_all(fd, input_.header());
      mail::write_all(fd, input_.separator());
      if (input_.rereadable())
        input_.replay_body(fd);
      else
        spool.replay(fd);
    });
  }

  std::string make_fields(const Plan& plan, const std::string body_hash[2]) {
    std::string fields, algorithms, selectors, domains;
    for (const auto& s : plan.signatures) {
      const std::string& bh = body_hash[s.options.canon.body == Canon::relaxed];
      std::string field = sign_message(s.key, s.options, headers_.fields, bh, headers_.eol);
      // A damaged or mismatched key must never reach recipients as a
      // broken signature: check it as a verifier would, with the public key
      // as published (RFC 6376 §6.1.3). The check shares the canonicalizer
      // with the signer, so a canonicalization bug passes it; the interop
      // suite (independent verifiers) is what catches those.
      if (!verify_signature_field(field, headers_.fields, bh, s.published))
        throw Error(ErrorKind::internal,
                    "self-check: signature does not verify with the published public key");
      fields += field;
      algorithms += (algorithms.empty() ? "" : ",") + std::string(crypto::algorithm_name(s.key.type()));
      selectors += (selectors.empty() ? "" : ",") + s.options.selector;
      domains += (domains.empty() ? "" : ",") + s.options.domain;
    }
    log_.set("d", domains);  // may be a parent of the From domain (rule 5)
    log_.set("algorithm", algorithms);
    log_.set("selector", selectors);
    return fields;
  }

  // Exim mode: the message streams out as it is read.
  template <typename Write>
  int deliver_stdout(Write write) {
    int status;
    output_started_ = std::chrono::steady_clock::now();
    try {
      write(stdout_.fd());
      status = stdout_.close();
    } catch (const Error& e) {
      // Part of the message went out: Exim must not keep it (an input read
      // error, a full spool, a short message...), whatever --on-error says:
      // nothing can be passed on any more.
      log_.set("error", e.what());
      status = stdout_.abort();
    }
    return finish(status);
  }

  // Postfix mode: the whole message is in the spool; sendmail gets it as a
  // file, or the SMTP client reads it from there (--smtp).
  int deliver_spool(mail::Spool& spool) {
    int message = spool.file();
    output_started_ = std::chrono::steady_clock::now();
    std::string error;
    int status = o_.smtp.empty() ? sendmail_.send(message, error) : smtp_.send(message, error);
    if (!error.empty()) log_.set("error", error);
    // pipe(8) puts what we print into the bounce or the deferral reason, as
    // it would sendmail's own complaint: the listener's reply.
    if (status != exit_code::ok && !o_.smtp.empty()) {
      std::string line = "dkim-filter: " + error + "\n";
      (void)!::write(2, line.data(), line.size());
    }
    return finish(status);
  }

  int finish(int status) {
    if (status != exit_code::ok) set_failure(status);
    finish_log();
    return status;
  }

  // tempfail: the MTA keeps the message and retries; error: any other
  // non-zero status (bad usage, sendmail's own refusal).
  void set_failure(int status) {
    log_.set("decision", status == exit_code::tempfail ? "tempfail" : "error");
    log_.set("status", std::to_string(status));
  }

  [[noreturn]] int fail(const Error& e) {
    set_failure(message_exit_code_for(e.kind()));
    log_.set("error", e.what());
    finish_log();
    throw e;
  }

  static std::string millis(std::chrono::steady_clock::duration d) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
    return std::to_string(us / 1000) + "." + std::to_string(us % 1000 / 100);
  }

  void finish_log() {
    auto now = std::chrono::steady_clock::now();
    // Our own cost (reading, deciding, hashing, signing) apart from the
    // time spent handing the message over: in Postfix mode that includes
    // sendmail's own run.
    if (output_started_ != std::chrono::steady_clock::time_point{}) {
      log_.set("prepare_ms", millis(output_started_ - started_));
      log_.set("output_ms", millis(now - output_started_));
    }
    log_.set("duration_ms", millis(now - started_));
    log_.emit(o_.log);
  }

  const Options& o_;
  mail::MessageInput input_;
  mail::HeaderBlock headers_;
  mail::LongLineWatch watch_;
  StdoutSink stdout_;
  Sendmail sendmail_;
  SmtpSink smtp_;
  LogLine log_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point output_started_{};
};

}  // namespace

int run_filter(const Options& options) {
  Run run(options);
  return run.run();
}

}  // namespace dkim::app
