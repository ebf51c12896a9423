// SPDX-License-Identifier: MIT
#include "web/pages.h"

#include <ctime>
#include <nlohmann/json.hpp>

#include "db/admin/rules.h"
#include "db/keystore.h"
#include "filter/base/error.h"
#include "filter/crypto/secret.h"
#include "web/form.h"

namespace dkim::web {
namespace {

using nlohmann::json;

constexpr const char* kSessionCookie = "dkim_session";
constexpr const char* kLoginCookie = "dkim_login";
constexpr long long kSessionSeconds = 8 * 3600;
constexpr std::size_t kMaxSessions = 10000;
constexpr int kMaxLoginFailures = 10;  // per client address and minute

// RFC 6265 §4.1.2.5-6 and rfc6265bis §4.1.2.7: never sent over plain
// HTTP (browsers treat loopback as secure), never read by scripts, never
// sent with a request another site started.
std::string cookie(const std::string& name, const std::string& value, long long max_age) {
  return name + "=" + value + "; Path=/; Max-Age=" + std::to_string(max_age) +
         "; HttpOnly; Secure; SameSite=Strict";
}

constexpr const char* kStyle =
    "body{font-family:sans-serif;margin:0;color:#222}"
    "nav{background:#24466b;color:#fff;padding:.6em 1em}nav a{color:#fff;margin-right:1em}"
    "nav form{display:inline;float:right}main{padding:1em 2em;max-width:60em}"
    ".record{background:#dff5d8;border:2px solid #3c9a2f;padding:.8em 1em;margin:1em 0}"
    ".record pre{white-space:pre-wrap;word-break:break-all;background:#f3fbf0;padding:.5em}"
    ".error{background:#fbe3e3;border:2px solid #b33;padding:.6em 1em}"
    ".notice{background:#eef3fb;border:1px solid #7a9cc6;padding:.6em 1em;overflow-wrap:anywhere}"
    ".warning{color:#8a5a00}table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:.3em .6em}"
    "label{display:block;margin:.5em 0}";

std::string page(const std::string& title, const std::string& nav, const std::string& body) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + html_escape(title) +
         " - dkim-filter</title><style>" + kStyle + "</style></head><body>" + nav + "<main>" + body +
         "</main></body></html>\n";
}

Response html(const std::string& text, int status = 200) {
  Response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = text;
  return r;
}

Response redirect(const std::string& where) {
  Response r;
  r.status = 303;  // RFC 9110 §15.4.4: GET the new location
  r.content_type = "text/plain";
  r.headers.emplace_back("Location", where);
  return r;
}

std::string hidden(const std::string& name, const std::string& value) {
  return "<input type=\"hidden\" name=\"" + name + "\" value=\"" + html_escape(value) + "\">";
}

std::string message_box(const std::string& css, const std::string& text) {
  return text.empty() ? "" : "<div class=\"" + css + "\" role=\"alert\">" + html_escape(text) + "</div>";
}

// The API's answer to a request the page makes on the user's behalf.
std::pair<int, json> call(const ApiConfig& config, const db::Token& token, const std::string& method,
                          const std::string& target, const json& body = nullptr) {
  Request r;
  r.method = method;
  r.target = target;
  r.headers["content-type"] = "application/json";
  if (!body.is_null()) r.body = body.dump();
  Response res = handle_api(config, r, token);
  json answer = json::parse(res.body, nullptr, false);
  return {res.status, answer};
}

std::string error_of(const json& answer) {
  return answer.is_object() && answer.contains("error") && answer["error"].is_string()
             ? answer["error"].get<std::string>()
             : "the request failed";
}

std::string warnings_of(const json& answer) {
  std::string out;
  if (answer.is_object() && answer.contains("warnings"))
    for (const auto& w : answer["warnings"])
      if (w.is_string()) out += (out.empty() ? "" : "; ") + w.get<std::string>();
  return out;
}

long long now() { return static_cast<long long>(std::time(nullptr)); }

}  // namespace

std::vector<Route> all_routes() {
  std::vector<Route> routes = api_routes();
  for (Route r : {Route{"GET", "/"}, Route{"GET", "/login"}, Route{"POST", "/login"},
                  Route{"POST", "/logout"}, Route{"GET", "/dkim"}, Route{"POST", "/dkim/generate"},
                  Route{"POST", "/dkim/check"}, Route{"POST", "/dkim/rotate"},
                  Route{"POST", "/dkim/activate"}, Route{"GET", "/users"}, Route{"POST", "/users/set"}})
    routes.push_back(r);
  return routes;
}

bool Pages::slow(const Request& request) {
  auto target = parse_target(request.target);
  if (!target.valid) return false;
  const auto& seg = target.segments;
  bool post = request.method == "POST";
  if (seg.size() >= 3 && seg[0] == "api" && seg[1] == "v1" && seg[2] == "keys") {
    if (seg.size() == 3) return post;  // generate
    // delete and revoke send RFC 2136 updates when dns-update is set.
    if (seg.size() == 5) return request.method == "DELETE";
    if (seg.size() == 6)
      return post ? seg[5] == "rotate" || seg[5] == "activate" || seg[5] == "revoke"
                  : request.method == "GET" && seg[5] == "check";
    return false;
  }
  return post && seg.size() == 2 && seg[0] == "dkim" &&
         (seg[1] == "generate" || seg[1] == "check" || seg[1] == "rotate" || seg[1] == "activate");
}

Response Pages::busy(const Request& request) {
  constexpr const char* kBusy = "busy generating keys; try again shortly";
  auto target = parse_target(request.target);
  if (!target.valid || (!target.segments.empty() && target.segments[0] == "api"))
    return json_error(503, kBusy);
  return html(page("Busy", "<nav>dkim-filter control panel</nav>",
                   message_box("error", std::string(kBusy) + " (go back and send the form again)")),
              503);
}

std::optional<std::pair<Pages::Session, db::Token>> Pages::session(const Request& request) {
  auto cookies = parse_cookies(request.header("cookie"));
  auto it = cookies.find(kSessionCookie);
  if (it == cookies.end()) return std::nullopt;
  Session found;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto s = sessions_.find(it->second);
    if (s == sessions_.end()) return std::nullopt;
    if (s->second.expires < now()) {
      sessions_.erase(s);
      return std::nullopt;
    }
    found = s->second;
  }
  // The token is read again each time: deleting it ends its sessions.
  auto tokens = open_tokens(config_).list();
  std::lock_guard<std::mutex> lock(mutex_);
  auto s = sessions_.find(it->second);
  if (s == sessions_.end()) return std::nullopt;
  for (auto& t : tokens)
    if (t.name == found.token_name) {
      s->second.expires = now() + kSessionSeconds;
      return std::make_pair(s->second, t);
    }
  sessions_.erase(s);
  return std::nullopt;
}

Response Pages::login_page(const std::string& message, const Request& request) {
  // Login CSRF: the form's hidden value must equal a cookie set with it
  // (double submit), which another site can neither read nor set.
  auto cookies = parse_cookies(request.header("cookie"));
  std::string pre = cookies.count(kLoginCookie) && cookies[kLoginCookie].size() == 43
                        ? cookies[kLoginCookie]
                        : crypto::base64url(crypto::random_bytes(32));
  std::string body = "<h1>Sign in</h1>" + message_box("error", message) +
                     "<form method=\"post\" action=\"/login\">" + hidden("csrf", pre) +
                     "<label>Token <input type=\"password\" name=\"token\" id=\"token\" autocomplete=\"off\" "
                     "required></label><button type=\"submit\" id=\"sign-in\">Sign in</button></form>";
  Response r =
      html(page("Sign in", "<nav>dkim-filter control panel</nav>", body), message.empty() ? 200 : 401);
  r.headers.emplace_back("Set-Cookie", cookie(kLoginCookie, pre, 3600));
  return r;
}

Response Pages::login(const Request& request) {
  auto form = parse_form(request.body);
  auto cookies = parse_cookies(request.header("cookie"));
  if (!cookies.count(kLoginCookie) || !crypto::constant_time_equal(cookies[kLoginCookie], form["csrf"]))
    return login_page("the form expired; sign in again", request);
  std::unique_lock<std::mutex> lock(mutex_);
  Attempts& a = attempts_[request.peer];
  if (a.window != now() / 60) a = {now() / 60, 0};
  bool too_many = a.failures >= kMaxLoginFailures;
  lock.unlock();
  if (too_many) {
    Response r = html(page("Sign in", "<nav>dkim-filter control panel</nav>",
                           message_box("error", "too many failed sign-ins; wait a minute")),
                      429);
    return r;
  }
  Request probe;
  probe.headers["authorization"] = "Bearer " + form["token"];
  auto token = bearer_token(config_, probe);
  lock.lock();
  if (!token) {
    ++attempts_[request.peer].failures;
    lock.unlock();
    return login_page("that token is not valid", request);
  }
  if (sessions_.size() >= kMaxSessions) {
    for (auto it = sessions_.begin(); it != sessions_.end();)
      it = it->second.expires < now() ? sessions_.erase(it) : std::next(it);
    if (sessions_.size() >= kMaxSessions) sessions_.erase(sessions_.begin());
  }
  std::string id = crypto::base64url(crypto::random_bytes(32));
  sessions_[id] = Session{token->name, crypto::base64url(crypto::random_bytes(32)), now() + kSessionSeconds};
  lock.unlock();
  log_change(config_, *token, "session.open", {{"peer", request.peer}}, 303);
  Response r = redirect("/dkim");
  r.headers.emplace_back("Set-Cookie", cookie(kSessionCookie, id, kSessionSeconds));
  r.headers.emplace_back("Set-Cookie", cookie(kLoginCookie, "", 0));
  return r;
}

Response Pages::logout(const Request& request) {
  auto cookies = parse_cookies(request.header("cookie"));
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = sessions_.find(cookies[kSessionCookie]);
  if (it != sessions_.end() && crypto::constant_time_equal(it->second.csrf, parse_form(request.body)["csrf"]))
    sessions_.erase(it);
  Response r = redirect("/login");
  r.headers.emplace_back("Set-Cookie", cookie(kSessionCookie, "", 0));
  return r;
}

namespace {

std::string nav(const db::Token& token, const std::string& csrf, const std::string& domain) {
  std::string q = domain.empty() ? "" : "?domain=" + url_encode(domain);
  return "<nav>Outgoing &rsaquo; <a href=\"/dkim" + q + "\" id=\"nav-dkim\">DKIM</a><a href=\"/users" + q +
         "\" id=\"nav-users\">Manage Outgoing Users</a><form method=\"post\" action=\"/logout\">" +
         hidden("csrf", csrf) + html_escape(token.name) +
         " <button type=\"submit\">Sign out</button></form></nav>";
}

// The domain a page is about: ?domain= (the token must hold it), else
// the token's first domain; "" for an administrator who named none.
std::string page_domain(const db::Token& token, const std::string& asked) {
  if (!asked.empty()) return asked;
  return token.domains.empty() ? "" : token.domains.front();
}

std::string domain_picker(const db::Token& token, const std::string& path, const std::string& domain) {
  std::string out = "<form method=\"get\" action=\"" + path + "\"><label>Domain ";
  if (token.is_admin()) {
    out += "<input name=\"domain\" value=\"" + html_escape(domain) + "\" required>";
  } else {
    out += "<select name=\"domain\">";
    for (const auto& d : token.domains)
      out += "<option" + std::string(d == domain ? " selected" : "") + ">" + html_escape(d) + "</option>";
    out += "</select>";
  }
  return out + " <button type=\"submit\">Show</button></label></form>";
}

// A small form of hidden fields and one button: usable without scripts.
std::string button_form(const std::string& action, const std::string& csrf, const std::string& domain,
                        const std::pair<std::string, std::string>& field, const std::string& label,
                        const std::string& id) {
  return "<form method=\"post\" action=\"" + action + "\" style=\"display:inline\">" + hidden("csrf", csrf) +
         hidden("domain", domain) + hidden(field.first, field.second) + "<button type=\"submit\" id=\"" +
         html_escape(id) + "\">" + label + "</button></form>";
}

// A lifecycle time of the API's key ("2027-01-31T12:00:00Z"), "-" for not yet.
std::string when(const json& key, const char* field) {
  return key.contains(field) && key[field].is_string() ? html_escape(key[field].get<std::string>()) : "-";
}

// One row of the keys table: the key, its lifecycle state with the time of
// each step (dkim-filter-admin(8) "KEY LIFECYCLE"), and what may be done
// with it: a pending key can be activated, an active one rotated.
std::string key_row(const json& k, const std::string& domain, const std::string& csrf) {
  std::string sel = k["selector"].get<std::string>(), state = k.value("state", std::string("active"));
  std::string slot = k.value("slot", sel);
  std::string actions =
      "<a href=\"/dkim?domain=" + url_encode(domain) + "&amp;selector=" + url_encode(sel) +
      "\">Show record</a> " +
      button_form("/dkim/check", csrf, domain, {"selector", sel}, "Check DNS", "check-" + sel);
  if (state == "pending")
    actions +=
        " " + button_form("/dkim/activate", csrf, domain, {"selector", sel}, "Activate", "activate-" + sel);
  if (state == "active")
    actions += " " + button_form("/dkim/rotate", csrf, domain, {"slot", slot}, "Rotate", "rotate-" + slot);
  return "<tr id=\"key-" + html_escape(sel) + "\"><td>" + html_escape(sel) + "</td><td>" + html_escape(slot) +
         "</td><td>" + html_escape(k["type"].get<std::string>()) + "</td><td>" +
         std::to_string(k["bits"].get<int>()) + "</td><td>" + html_escape(k["created"].get<std::string>()) +
         "</td><td class=\"state\">" + html_escape(state) + "</td><td>" + when(k, "activated") + "</td><td>" +
         when(k, "retired") + "</td><td>" + when(k, "revoked") + "</td><td>" + actions + "</td></tr>";
}

// Delegation mode: the record above lives in the provider's zone; the
// customer's zone holds, once, a CNAME to it and one to the slot's other
// selector.
std::string cname_lines(const json& dns) {
  if (!dns.contains("cnames")) return "";
  std::string lines;
  for (const auto& line : dns["cnames"]) lines += html_escape(line.get<std::string>()) + "\n";
  return "<p>The domain's own zone publishes these two CNAME records once; later keys need no change "
         "there:</p><pre id=\"record-cnames\">" +
         lines + "</pre>";
}

std::string record_box(const json& dns) {
  if (!dns.is_object() || !dns.contains("name")) return "";
  return "<div class=\"record\" id=\"dkim-record\"><p>Create a TXT DNS record on the hostname <code "
         "id=\"record-name\">" +
         html_escape(dns["name"].get<std::string>()) +
         "</code> and enter this value:</p><pre id=\"record-value\">" +
         html_escape(dns["value"].get<std::string>()) +
         "</pre><p>As a zone-file line (the value split into strings of at most 255 characters):</p>"
         "<pre id=\"record-zone\">" +
         html_escape(dns["zone"].get<std::string>()) + "</pre>" + cname_lines(dns) + "</div>";
}

}  // namespace

Response Pages::dkim_page(const Request& request, const db::Token& token, const Session& s,
                          const std::string& notice, const std::string& record_selector,
                          const std::string& domain_override) {
  auto target = parse_target(request.target);
  std::string domain = page_domain(token, domain_override.empty() ? target.query["domain"] : domain_override);
  std::string body = "<h1>DKIM" + (domain.empty() ? "" : " for " + html_escape(domain)) + "</h1>" +
                     domain_picker(token, "/dkim", domain) + notice;
  if (domain.empty()) return html(page("DKIM", nav(token, s.csrf, domain), body));
  auto [status, keys] = call(config_, token, "GET", "/api/v1/keys?domain=" + url_encode(domain));
  if (status != 200)
    return html(page("DKIM", nav(token, s.csrf, domain), body + message_box("error", error_of(keys))),
                status);
  std::string show = record_selector.empty() ? target.query["selector"] : record_selector;
  if (!show.empty()) {
    auto [st, dns] =
        call(config_, token, "GET", "/api/v1/keys/" + url_encode(domain) + "/" + url_encode(show) + "/dns");
    body += st == 200 ? record_box(dns) : message_box("error", error_of(dns));
  }
  body += "<h2>Generate a key</h2><form method=\"post\" action=\"/dkim/generate\">" + hidden("csrf", s.csrf) +
          hidden("domain", domain) +
          "<label>DKIM key length <select name=\"bits\" id=\"bits\"><option value=\"1024\">1024</option>"
          "<option value=\"2048\" selected>2048 (recommended, if your DNS accepts it)</option>"
          "<option value=\"3072\">3072</option><option value=\"4096\">4096</option></select></label>"
          "<label>DKIM selector <input name=\"selector\" id=\"selector\" required></label>"
          "<button type=\"submit\" id=\"generate\">Generate and save new private/public pair</button></form>"
          "<h2>Keys</h2><p>A rotated key is pending until it is activated, which waits until every "
          "authoritative server serves its record; the key it replaces is then retired.</p>"
          "<table id=\"keys\"><tr><th>Selector</th><th>Slot</th><th>Type</th><th>Length</th><th>Created</th>"
          "<th>State</th><th>Activated</th><th>Retired</th><th>Revoked</th><th></th></tr>";
  for (const auto& k : keys) body += key_row(k, domain, s.csrf);
  body += "</table>";
  return html(page("DKIM", nav(token, s.csrf, domain), body));
}

Response Pages::users_page(const Request& request, const db::Token& token, const Session& s,
                           const std::string& notice) {
  auto target = parse_target(request.target);
  auto form = parse_form(request.body);
  std::string domain = page_domain(token, form.count("domain") ? form["domain"] : target.query["domain"]);
  std::string body = "<h1>Manage Outgoing Users" + (domain.empty() ? "" : " of " + html_escape(domain)) +
                     "</h1>" + domain_picker(token, "/users", domain) + notice +
                     "<p>If you do not set the DKIM selector of a user to the one used on the DKIM page, no "
                     "DKIM signing will be done for that user's mail.</p>";
  auto [status, users] = call(config_, token, "GET", "/api/v1/users");
  if (status != 200)
    return html(page("Users", nav(token, s.csrf, domain), body + message_box("error", error_of(users))),
                status);
  auto store = open_store(config_);
  body += "<table id=\"users\"><tr><th>User</th><th>Kind</th><th>DKIM selector</th><th></th></tr>";
  for (const auto& u : users) {
    if (!domain.empty() && u["domain"] != domain) continue;
    policy::UserRecord rec;
    rec.name = u["user"].get<std::string>();
    rec.domain = u["domain"].get<std::string>();
    rec.any_domain = u["any_domain"].get<bool>();
    rec.selectors = u["selectors"].get<std::vector<std::string>>();
    rec.kind = u["kind"] == "ip"       ? policy::UserKind::ip
               : u["kind"] == "domain" ? policy::UserKind::domain
                                       : policy::UserKind::login;
    std::string warn;
    for (const auto& w : admin::missing_key_warnings(store, rec)) warn += (warn.empty() ? "" : "; ") + w;
    std::string sels = join_commas(rec.selectors);
    body += "<tr><td>" + html_escape(rec.name) + "</td><td>" + html_escape(u["kind"].get<std::string>()) +
            "</td><td><form method=\"post\" action=\"/users/set\">" + hidden("csrf", s.csrf) +
            hidden("domain", domain) + hidden("user", rec.name) + "<input name=\"selector\" value=\"" +
            html_escape(sels) + "\" aria-label=\"DKIM selector of " + html_escape(rec.name) +
            "\"> <button type=\"submit\">Save</button></form>" +
            (warn.empty() ? "" : "<div class=\"warning\">" + html_escape(warn) + "</div>") + "</td><td>" +
            (u["reauthenticating"].get<bool>()
                 ? "DKIM signing is unavailable if you are using a re-authenticating user"
                 : "") +
            "</td></tr>";
  }
  body += "</table>";
  return html(page("Users", nav(token, s.csrf, domain), body));
}

Response Pages::action(const Request& request, const db::Token& token, const Session& s,
                       const std::string& what) {
  auto form = parse_form(request.body);
  if (!crypto::constant_time_equal(s.csrf, form["csrf"]))
    return html(
        page("Refused", nav(token, s.csrf, ""), message_box("error", "the form expired; reload the page")),
        403);
  std::string domain = form["domain"];
  if (what == "generate") {
    json body = {{"domain", domain}, {"selector", form["selector"]}, {"algorithm", "rsa"}};
    try {
      body["bits"] = std::stoi(form["bits"]);
    } catch (const std::exception&) {
      body["bits"] = -1;
    }
    auto [status, answer] = call(config_, token, "POST", "/api/v1/keys", body);
    if (status != 201)
      return dkim_page(request, token, s, message_box("error", error_of(answer)), "", domain);
    return dkim_page(request, token, s,
                     message_box("notice", "The key was generated and saved. Publish this record:") +
                         message_box("warning", warnings_of(answer)),
                     answer["selector"].get<std::string>(), domain);
  }
  if (what == "rotate" || what == "activate") {
    std::string name = what == "rotate" ? form["slot"] : form["selector"];
    auto [status, answer] =
        call(config_, token, "POST",
             "/api/v1/keys/" + url_encode(domain) + "/" + url_encode(name) + "/" + what, json::object());
    if (status != 200 && status != 201)
      return dkim_page(request, token, s, message_box("error", error_of(answer)), "", domain);
    // The record itself is in the green box below, not in the notice.
    std::string steps;
    for (const auto& line : answer["steps"])
      if (line.get<std::string>().rfind("publish: ", 0) != 0)
        steps += (steps.empty() ? "" : "; ") + line.get<std::string>();
    std::string said = what == "rotate" ? "The pending key " + answer["selector"].get<std::string>() +
                                              " was made; it signs once activated. Publish its record, then "
                                              "activate it once DNS serves it. "
                                        : "Activated. ";
    return dkim_page(request, token, s, message_box("notice", said + steps),
                     what == "rotate" ? answer["selector"].get<std::string>() : "", domain);
  }
  if (what == "check") {
    auto [status, answer] =
        call(config_, token, "GET",
             "/api/v1/keys/" + url_encode(domain) + "/" + url_encode(form["selector"]) + "/check");
    std::string text = status == 200
                           ? answer["name"].get<std::string>() + ": " + answer["status"].get<std::string>() +
                                 ": " + answer["detail"].get<std::string>()
                           : error_of(answer);
    return dkim_page(request, token, s,
                     message_box(status == 200 && answer["matches"] == true ? "notice" : "error", text),
                     form["selector"], domain);
  }
  json body = {{"selector", form["selector"].empty() ? json(nullptr) : json(form["selector"])}};
  auto [status, answer] = call(config_, token, "PUT", "/api/v1/users/" + url_encode(form["user"]), body);
  if (status != 200) return users_page(request, token, s, message_box("error", error_of(answer)));
  return users_page(request, token, s,
                    message_box("notice", "Saved the DKIM selector of " + form["user"] + ".") +
                        message_box("warning", warnings_of(answer)));
}

Response Pages::api(const Request& request) {
  std::optional<db::Token> token;
  try {
    token = bearer_token(config_, request);
  } catch (const std::exception& e) {
    return json_error(status_for(e), e.what());
  }
  if (!token) return json_error(401, "a valid bearer token is required (Authorization: Bearer TOKEN)");
  return handle_api(config_, request, *token);
}

Response Pages::dispatch(const Request& request) {
  auto target = parse_target(request.target);
  if (!target.valid) return json_error(400, "bad request target");
  const auto& seg = target.segments;
  if (!seg.empty() && seg[0] == "api") return api(request);
  try {
    std::string path = "/";
    for (size_t i = 0; i < seg.size(); ++i) path += (i ? "/" : "") + seg[i];
    bool post = request.method == "POST";
    if (path == "/login" && post) return login(request);
    if (path == "/login" && request.method == "GET") return login_page("", request);
    if (path == "/logout" && post) return logout(request);
    auto s = session(request);
    if (path == "/" && request.method == "GET") return redirect(s ? "/dkim" : "/login");
    bool known = path == "/dkim" || path == "/users" || path == "/dkim/generate" || path == "/dkim/check" ||
                 path == "/dkim/rotate" || path == "/dkim/activate" || path == "/users/set";
    if (!known)
      return html(page("Not found", "<nav>dkim-filter</nav>", message_box("error", "no such page")), 404);
    if (!s) return redirect("/login");
    auto& [sess, token] = *s;
    if (path == "/dkim" && request.method == "GET") return dkim_page(request, token, sess, "", "", "");
    if (path == "/users" && request.method == "GET") return users_page(request, token, sess, "");
    if (path == "/dkim/generate" && post) return action(request, token, sess, "generate");
    if (path == "/dkim/check" && post) return action(request, token, sess, "check");
    if (path == "/dkim/rotate" && post) return action(request, token, sess, "rotate");
    if (path == "/dkim/activate" && post) return action(request, token, sess, "activate");
    if (path == "/users/set" && post) return action(request, token, sess, "set");
    return html(page("Not allowed", "<nav>dkim-filter</nav>", message_box("error", "method not allowed")),
                405);
  } catch (const std::exception& e) {
    int status = status_for(e);
    return html(page("Error", "<nav>dkim-filter</nav>",
                     message_box("error", status == 500 ? "internal error" : e.what())),
                status);
  }
}

}  // namespace dkim::web
