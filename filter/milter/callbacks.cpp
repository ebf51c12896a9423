// SPDX-License-Identifier: MIT
#include "filter/milter/callbacks.h"

#include <arpa/inet.h>
#include <libmilter/mfapi.h>
#include <netinet/in.h>

#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "filter/milter/header_field.h"
#include "filter/milter/log.h"
#include "filter/milter/message.h"

namespace dkim::milter {
namespace {

// libmilter's callbacks take no user data beyond the per-connection
// pointer, so what every session shares is set once, before smfi_main().
const Options* g_options = nullptr;
KeyCache* g_keys = nullptr;

struct Session {
  bool leading_space = false;  // SMFIP_HDR_LEADSPC negotiated
  // The steps the MTA agreed not to wait for (SMFIP_NR_*): libmilter then
  // sends no reply, whatever a callback returns, so their outcome is
  // carried to the end of the message.
  bool no_connect_reply = false, no_mail_reply = false, no_header_reply = false, no_eoh_reply = false,
       no_body_reply = false;
  std::string connect_address;
  std::unique_ptr<Message> message;
  Verdict held = Verdict::more;  // decided at the end of the header, answered at the end of the message
  bool failed = false;           // a callback of this message threw: its answer is 4xx
};

Session* session_of(SMFICTX* ctx) { return static_cast<Session*>(smfi_getpriv(ctx)); }

Session& ensure_session(SMFICTX* ctx) {
  Session* s = session_of(ctx);
  if (!s) {
    // Owned by libmilter's context until xxfi_close takes it back.
    auto owned = std::make_unique<Session>();
    s = owned.get();
    if (smfi_setpriv(ctx, s) == MI_SUCCESS)
      owned.release();
    else
      throw std::runtime_error("smfi_setpriv failed");
  }
  return *s;
}

std::string macro(SMFICTX* ctx, const char* name) {
  const char* v = smfi_getsymval(ctx, const_cast<char*>(name));
  return v ? std::string(v) : std::string();
}

std::string address_text(const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (!sa) return {};
  if (sa->sa_family == AF_INET)
    return inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf) ? buf
                                                                                                    : "";
  if (sa->sa_family == AF_INET6)
    return inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf) ? buf
                                                                                                       : "";
  return {};
}

std::string strip_brackets(std::string s) {
  if (s.size() >= 2 && s.front() == '<' && s.back() == '>') return s.substr(1, s.size() - 2);
  return s;
}

// Runs a callback body; anything thrown defers the message (the MTA keeps
// it) and is logged, so a bug can cost a retry but never a lost message.
// `no_reply`: the Session flag of a step the MTA does not wait for.
template <typename Body>
sfsistat guarded(SMFICTX* ctx, const char* stage, bool Session::*no_reply, Body body) {
  try {
    return body();
  } catch (const std::exception& e) {
    log_notice(Severity::error, std::string(stage) + ": " + e.what() + "; message deferred");
  } catch (...) {
    log_notice(Severity::error, std::string(stage) + ": unknown failure; message deferred");
  }
  // A step without a reply cannot answer: the end of the message will.
  Session* s = session_of(ctx);
  if (s) {
    s->message.reset();
    s->failed = true;
  }
  return s && no_reply && s->*no_reply ? SMFIS_NOREPLY : SMFIS_TEMPFAIL;
}

// A finished message's answer, its log line written.
sfsistat conclude(Session& s, Verdict v) {
  log_message(s.message->log());
  s.message.reset();
  return v == Verdict::tempfail ? SMFIS_TEMPFAIL : SMFIS_ACCEPT;
}

sfsistat on_negotiate(SMFICTX* ctx, unsigned long actions, unsigned long steps, unsigned long, unsigned long,
                      unsigned long* want_actions, unsigned long* want_steps, unsigned long* f2,
                      unsigned long* f3) {
  return guarded(ctx, "negotiate", nullptr, [&] {
    Session& s = ensure_session(ctx);
    // Without the value's leading white space, "Subject:x" and "Subject: x"
    // arrive alike and a simple-canonicalized signature cannot be exact.
    if (!(steps & SMFIP_HDR_LEADSPC) || !(actions & SMFIF_ADDHDRS)) {
      log_notice(Severity::error,
                 "the MTA offers no SMFIP_HDR_LEADSPC or no header insertion; set milter_protocol = 6");
      return SMFIS_REJECT;
    }
    s.leading_space = true;
    // Every reply the MTA need not wait for is a round trip saved: with
    // no reply to MAIL FROM, the header, its end and the body, Postfix
    // sends the whole message in one write at the end of DATA and waits
    // once (src/milter/milter8.c, skip_reply). The price: a message not to
    // be signed still streams its body here instead of being accepted at
    // the end of its header.
    constexpr unsigned long kNoReply =
        SMFIP_NR_CONN | SMFIP_NR_MAIL | SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY;
    unsigned long no_reply = steps & kNoReply;
    s.no_connect_reply = (no_reply & SMFIP_NR_CONN) != 0;
    s.no_mail_reply = (no_reply & SMFIP_NR_MAIL) != 0;
    s.no_header_reply = (no_reply & SMFIP_NR_HDR) != 0;
    s.no_eoh_reply = (no_reply & SMFIP_NR_EOH) != 0;
    s.no_body_reply = (no_reply & SMFIP_NR_BODY) != 0;
    *want_actions = SMFIF_ADDHDRS;
    *want_steps = SMFIP_HDR_LEADSPC | no_reply |
                  (steps & (SMFIP_NOHELO | SMFIP_NORCPT | SMFIP_NOUNKNOWN | SMFIP_NODATA));
    *f2 = *f3 = 0;
    return SMFIS_CONTINUE;
  });
}

sfsistat on_connect(SMFICTX* ctx, char*, _SOCK_ADDR* address) {
  return guarded(ctx, "connect", &Session::no_connect_reply, [&] {
    Session& s = ensure_session(ctx);
    s.connect_address = address_text(address);
    return s.no_connect_reply ? SMFIS_NOREPLY : SMFIS_CONTINUE;
  });
}

sfsistat on_envfrom(SMFICTX* ctx, char** argv) {
  return guarded(ctx, "envfrom", &Session::no_mail_reply, [&] {
    Session& s = ensure_session(ctx);
    Envelope e;
    e.sender = strip_brackets(argv && argv[0] ? argv[0] : "");
    e.sasl_user = macro(ctx, "{auth_authen}");
    e.client_ip = macro(ctx, "{client_addr}");
    if (e.client_ip.empty()) e.client_ip = s.connect_address;
    e.queue_id = macro(ctx, "i");
    s.message = std::make_unique<Message>(*g_options, *g_keys, std::move(e));
    s.held = Verdict::more;
    s.failed = false;
    return s.no_mail_reply ? SMFIS_NOREPLY : SMFIS_CONTINUE;
  });
}

sfsistat on_header(SMFICTX* ctx, char* name, char* value) {
  return guarded(ctx, "header", &Session::no_header_reply, [&] {
    Session& s = ensure_session(ctx);
    if (s.message) s.message->header(name ? name : "", value ? value : "");
    return s.no_header_reply ? SMFIS_NOREPLY : SMFIS_CONTINUE;
  });
}

sfsistat on_eoh(SMFICTX* ctx) {
  return guarded(ctx, "eoh", &Session::no_eoh_reply, [&] {
    Session& s = ensure_session(ctx);
    if (!s.message) return s.no_eoh_reply ? SMFIS_NOREPLY : s.failed ? SMFIS_TEMPFAIL : SMFIS_ACCEPT;
    Verdict v = s.message->end_of_header(macro(ctx, "i"));
    if (v == Verdict::more) return s.no_eoh_reply ? SMFIS_NOREPLY : SMFIS_CONTINUE;
    if (!s.no_eoh_reply) return conclude(s, v);
    s.held = v;  // answered at the end of the message; the body is ignored
    return SMFIS_NOREPLY;
  });
}

sfsistat on_body(SMFICTX* ctx, unsigned char* data, size_t size) {
  return guarded(ctx, "body", &Session::no_body_reply, [&] {
    Session& s = ensure_session(ctx);
    // A message decided at the end of its header needs none of its body.
    if (s.message && s.held == Verdict::more)
      s.message->body(std::string_view(reinterpret_cast<const char*>(data), size));
    return s.no_body_reply ? SMFIS_NOREPLY : SMFIS_CONTINUE;
  });
}

sfsistat on_eom(SMFICTX* ctx) {
  return guarded(ctx, "eom", nullptr, [&] {
    Session& s = ensure_session(ctx);
    // No message: a callback before this one failed, and had no reply.
    if (!s.message) return s.failed ? SMFIS_TEMPFAIL : SMFIS_ACCEPT;
    if (s.held != Verdict::more) return conclude(s, s.held);
    std::vector<std::string> fields;
    Verdict v = s.message->end_of_message(macro(ctx, "i"), fields);
    // Index 0 puts a field on top of the message as delivered (Postfix's
    // own Received: included, src/cleanup/cleanup_milter.c); inserting the
    // last one first leaves them in their order, the first selector's on top.
    for (auto it = fields.rbegin(); it != fields.rend(); ++it) {
      std::string value = insert_value(*it, s.leading_space);
      if (smfi_insheader(ctx, 0, const_cast<char*>("DKIM-Signature"), value.data()) != MI_SUCCESS) {
        log_notice(Severity::error, "smfi_insheader failed; message deferred");
        s.message.reset();
        return SMFIS_TEMPFAIL;
      }
    }
    return conclude(s, v);
  });
}

sfsistat on_abort(SMFICTX* ctx) {
  return guarded(ctx, "abort", nullptr, [&] {
    if (Session* s = session_of(ctx)) {
      s->message.reset();
      s->failed = false;
    }
    return SMFIS_CONTINUE;
  });
}

sfsistat on_close(SMFICTX* ctx) {
  std::unique_ptr<Session> owned(session_of(ctx));
  smfi_setpriv(ctx, nullptr);
  return SMFIS_CONTINUE;
}

}  // namespace

bool register_callbacks(const Options& options, KeyCache& keys) {
  g_options = &options;
  g_keys = &keys;
  smfiDesc desc{};
  desc.xxfi_name = const_cast<char*>("dkim-filter-milter");
  desc.xxfi_version = SMFI_VERSION;
  desc.xxfi_flags = SMFIF_ADDHDRS;
  desc.xxfi_connect = on_connect;
  desc.xxfi_envfrom = on_envfrom;
  desc.xxfi_header = on_header;
  desc.xxfi_eoh = on_eoh;
  desc.xxfi_body = on_body;
  desc.xxfi_eom = on_eom;
  desc.xxfi_abort = on_abort;
  desc.xxfi_close = on_close;
  desc.xxfi_negotiate = on_negotiate;
  return smfi_register(desc) == MI_SUCCESS;
}

}  // namespace dkim::milter
