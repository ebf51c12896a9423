// SPDX-License-Identifier: MIT
#include "filter/milter/message.h"

#include <ctime>
#include <limits>
#include <new>

#include "filter/base/error.h"
#include "filter/crypto/key.h"
#include "filter/mail/ascii.h"
#include "filter/mail/message_input.h"
#include "filter/milter/header_field.h"
#include "filter/policy/request.h"

namespace dkim::milter {
namespace {

// Concurrency comes from the sessions: no second hashing thread per body.
constexpr std::size_t kNoHashThread = std::numeric_limits<std::size_t>::max();

std::string millis(std::chrono::steady_clock::duration d) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  return std::to_string(us / 1000) + "." + std::to_string(us % 1000 / 100);
}

int body_index(Canon c) { return c == Canon::relaxed ? 1 : 0; }

}  // namespace

Message::Message(const Options& options, KeyCache& keys, Envelope envelope)
    : options_(options),
      keys_(keys),
      envelope_(std::move(envelope)),
      started_(std::chrono::steady_clock::now()) {
  log_.set("queue_id", envelope_.queue_id);
  log_.set("sender", envelope_.sender);
  log_.set("user", envelope_.sasl_user.empty() ? envelope_.client_ip : envelope_.sasl_user);
}

void Message::header(std::string_view name, std::string_view value) {
  if (header_too_large_) return;
  append_wire_field(header_, name, value);
  if (header_.size() > mail::kMaxHeaderSection) {
    header_too_large_ = true;
    header_.clear();
    header_.shrink_to_fit();
  }
}

Verdict Message::end_of_header(std::string_view queue_id) {
  if (!queue_id.empty()) log_.set("queue_id", std::string(queue_id));
  if (header_too_large_) return finish(Verdict::accept, "unsigned", "header-too-large");
  block_ = mail::parse_header_block(header_);
  if (!block_.problem.empty()) {
    log_.set("problem", block_.problem);
    return finish(Verdict::accept, "unsigned", "malformed");
  }
  try {
    decision_ = keys_.decide(
        policy::make_request(envelope_.sasl_user, envelope_.client_ip, options_.default_user, block_));
  } catch (const Error& e) {
    return fail(e.what());
  } catch (const std::bad_alloc&) {
    return fail("out of memory");
  }
  const policy::Decision& d = decision_.decision;
  log_.set("user", d.user);
  log_.set("domain", d.from_domain);
  // As dkim-filter: skipped selectors as stored (LogLine escapes them).
  std::string bad;
  for (const auto& s : d.bad_selectors) bad += (bad.empty() ? "" : ",") + s;
  if (!bad.empty()) log_.set("bad_selector", bad);
  if (!d.sign) return finish(Verdict::accept, "unsigned", d.reason);
  long_lines_.update(header_);
  timestamp_ = static_cast<long long>(std::time(nullptr));
  for (const auto& key : decision_.keys) {
    auto& h = hashers_[body_index(key->canon.body)];
    if (!h) h = std::make_unique<BodyHasher>(key->canon.body, kNoHashThread);
  }
  return Verdict::more;
}

void Message::body(std::string_view chunk) {
  long_lines_.update(chunk);
  for (auto& h : hashers_)
    if (h) h->update(chunk);
}

void Message::sign(std::vector<std::string>& fields) {
  std::string body_hash[2];
  for (int i = 0; i < 2; ++i)
    if (hashers_[i]) body_hash[i] = hashers_[i]->finish();
  std::string algorithms, selectors, domains;
  const auto& refs = decision_.decision.keys;
  for (std::size_t i = 0; i < refs.size(); ++i) {
    const LoadedKey& key = *decision_.keys[i];
    SignerOptions so;
    so.domain = refs[i].domain;
    so.selector = key.selector;
    so.canon = key.canon;
    so.timestamp = timestamp_;
    if (options_.expire_seconds > 0) so.expiry = timestamp_ + options_.expire_seconds;
    const std::string& bh = body_hash[body_index(key.canon.body)];
    std::string field = sign_message(key.key, so, block_.fields, bh, "\r\n");
    // dkim-filter(8): a corrupted key must never reach recipients as a
    // broken signature.
    if (!verify_signature_field(field, block_.fields, bh, key.public_key))
      throw Error(ErrorKind::internal, "self-check: signature does not verify with the public key");
    fields.push_back(std::move(field));
    algorithms += (algorithms.empty() ? "" : ",") + std::string(crypto::algorithm_name(key.key.type()));
    selectors += (selectors.empty() ? "" : ",") + so.selector;
    domains += (domains.empty() ? "" : ",") + so.domain;
  }
  // Signed anyway, but a later hop may fold such a line
  // (smtp_line_length_limit) and break the signature: the log says so.
  if (long_lines_.found()) log_.set("long-lines", "yes");
  log_.set("d", domains);  // may be a parent of the From domain (rule 5)
  log_.set("algorithm", algorithms);
  log_.set("selector", selectors);
}

Verdict Message::end_of_message(std::string_view queue_id, std::vector<std::string>& fields) {
  if (!queue_id.empty()) log_.set("queue_id", std::string(queue_id));
  if (done_) return Verdict::accept;
  try {
    sign(fields);
  } catch (const Error& e) {
    fields.clear();
    return fail(e.what());
  } catch (const std::bad_alloc&) {
    fields.clear();
    return fail("out of memory");
  }
  return finish(Verdict::accept, "signed", decision_.decision.reason);
}

Verdict Message::fail(const std::string& what) {
  log_.set("error", what);
  if (options_.on_error == app::OnError::pass) return finish(Verdict::accept, "unsigned", "error");
  return finish(Verdict::tempfail, "tempfail", "error");
}

Verdict Message::finish(Verdict verdict, const std::string& decision, const std::string& reason) {
  log_.set("decision", decision);
  log_.set("reason", reason);
  log_.set("duration_ms", millis(std::chrono::steady_clock::now() - started_));
  done_ = true;
  return verdict;
}

}  // namespace dkim::milter
