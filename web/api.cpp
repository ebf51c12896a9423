// SPDX-License-Identifier: MIT
// JSON (RFC 8259) through nlohmann/json: Boost.JSON appeared in Boost 1.75
// and Debian 12 ships 1.74, while nlohmann-json3-dev is packaged there,
// header-only, and reports bad input as a value (parse(..., false)) rather
// than only by exceptions.
#include "web/api.h"

#include <syslog.h>
#include <unistd.h>

#include <ctime>
#include <nlohmann/json.hpp>
#include <sstream>

#include "db/admin/cli.h"
#include "db/admin/lifecycle.h"
#include "db/admin/publish.h"
#include "db/admin/rules.h"
#include "db/cluster/pg_store.h"
#include "db/dns/client.h"
#include "db/dns_record.h"
#include "db/keystore.h"
#include "db/names.h"
#include "filter/app/log_line.h"
#include "filter/base/error.h"
#include "web/form.h"
#include "web/json_body.h"

namespace dkim::web {
namespace {

using nlohmann::json;

// A refusal of this layer's own, with its status.
struct Refusal {
  int status;
  std::string message;
};

// As `key list --json` shows a key: its lifecycle state and the times of
// each step (null: not yet).
// Names as dkim-filter-admin prints them: in delegation mode a delegated
// key's record lives in the provider's zone (admin::record_name).
json key_json(const db::KeyRecord& k, const admin::AdminConfig& config) {
  auto when = [](long long t) { return t ? json(admin::iso_time(t)) : json(nullptr); };
  return {{"domain", k.domain},
          {"selector", k.selector},
          {"type", std::string(crypto::key_type_name(k.type))},
          {"bits", k.bits},
          {"canon", k.canon},
          {"created", admin::iso_time(k.created)},
          {"dns_name", admin::record_name(config, k)},
          {"slot", k.slot},
          {"state", std::string(db::key_state_name(k.state))},
          {"activated", when(k.activated)},
          {"retired", when(k.retired)},
          {"revoked", when(k.revoked)},
          {"published", when(k.published)}};
}

json dns_json(const db::KeyRecord& k, const admin::AdminConfig& config) {
  std::string name = admin::record_name(config, k);
  std::string value = db::dns_record_value(crypto::PublicKey::from_dns_value(k.type, k.public_key));
  json out = {{"name", name},
              {"type", "TXT"},
              {"value", value},
              {"strings", db::split_txt_strings(value)},
              {"zone", db::zone_line(name, value)}};
  // What the customer's zone holds once: CNAMEs to the provider's records.
  if (admin::delegated(config, k)) out["cnames"] = admin::delegation_cnames(config, k.domain, k.slot);
  return out;
}

json user_json(const policy::UserRecord& u) {
  return {{"user", u.name},
          {"kind", admin::user_kind_name(u.kind)},
          {"domain", u.domain},
          {"selectors", u.selectors},
          {"any_domain", u.any_domain},
          {"reauthenticating", u.reauthenticating}};
}

Response ok_json(const json& body, int status = 200) {
  Response r;
  r.status = status;
  // Replacement characters for bytes that are not UTF-8 (RFC 8259 §8.1):
  // rows written by other tools are not validated.
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  return r;
}

// The scope rules: a domain token sees only its domains' keys.
void require_domain(const db::Token& token, const std::string& domain) {
  if (!token.covers(domain)) throw Refusal{403, "token " + token.name + " does not manage domain " + domain};
}
void require_writer(const db::Token& token) {
  if (token.read_only) throw Refusal{403, "token " + token.name + " is read-only"};
}
// ... and the users whose own domain it lists (an administrator's token:
// every user).
bool sees_user(const db::Token& token, const policy::UserRecord& user) {
  return token.is_admin() || (!user.domain.empty() && token.covers(user.domain));
}

class Handler {
 public:
  Handler(const ApiConfig& config, const Request& request, const db::Token& token)
      : config_(config), request_(request), token_(token), target_(parse_target(request.target)) {}

  Response run();

 private:
  db::KeyStore store() { return open_store(config_); }
  // The admin's lifecycle step on this request's behalf: its steps (what
  // the admin prints) go to `steps`.
  template <typename Step>
  void lifecycle(json& steps, Step step) {
    admin::DnsSettings dns;
    if (!config_.nameserver.empty()) dns.nameservers = {config_.nameserver};
    dns.timeout = config_.dns_timeout;
    std::ostringstream out;
    auto s = store();
    admin::with_lifecycle(s, config_.lifecycle, dns, static_cast<long long>(std::time(nullptr)), out,
                          [&](admin::Lifecycle& lc) {
                            step(lc);
                            return 0;
                          });
    std::istringstream lines(out.str());
    steps = json::array();
    for (std::string line; std::getline(lines, line);) steps.push_back(line);
  }
  bool is(const char* method) const { return request_.method == method; }
  std::string query(const std::string& name) const {
    auto it = target_.query.find(name);
    return it == target_.query.end() ? "" : it->second;
  }
  void log(const std::string& action, std::vector<std::pair<std::string, std::string>> fields, int status) {
    log_change(config_, token_, action, fields, status);
  }

  Response keys_list();
  Response key_generate();
  Response key_import();
  Response key_get(const std::string& domain, const std::string& selector);
  Response key_delete(const std::string& domain, const std::string& selector);
  Response key_dns(const std::string& domain, const std::string& selector);
  Response key_check(const std::string& domain, const std::string& selector);
  Response key_rotate(const std::string& domain, const std::string& slot);
  Response key_step(const std::string& domain, const std::string& selector, const std::string& step);
  Response users_list();
  Response user_add();
  Response user_get(const std::string& name);
  Response user_set(const std::string& name);
  Response user_delete(const std::string& name);
  Response explain();
  Response whoami();
  db::KeyRecord find_key(db::KeyStore& store, const std::string& domain, const std::string& selector);
  policy::UserRecord visible_user(db::KeyStore& store, const db::UserName& name, const char* command);

  const ApiConfig& config_;
  const Request& request_;
  const db::Token& token_;
  Target target_;
};

Response Handler::keys_list() {
  std::string domain = query("domain");
  if (!domain.empty()) {
    domain = db::normalize_domain(domain);
    require_domain(token_, domain);
  }
  json out = json::array();
  for (const auto& k : store().list_keys(domain))
    if (token_.covers(k.domain)) out.push_back(key_json(k, config_.lifecycle));
  return ok_json(out);
}

Response Handler::key_generate() {
  require_writer(token_);
  json body = body_object(request_.body);
  db::KeyRecord record = admin::new_key_record(need_string(body, "domain"), need_string(body, "selector"),
                                               opt_string(body, "canon").value_or("relaxed/relaxed"));
  admin::place_first_key(config_.lifecycle, record);
  require_domain(token_, record.domain);
  admin::Warnings warnings;
  auto [type, bits] =
      admin::check_generate(opt_string(body, "algorithm").value_or("rsa"), opt_int(body, "bits"), warnings);
  auto s = store();
  admin::refuse_existing_key(s, record);
  auto stored = admin::store_key(s, record, crypto::PrivateKey::generate(type, bits));
  log("key.generate", {{"domain", stored.domain}, {"selector", stored.selector}}, 201);
  json out = key_json(stored, config_.lifecycle);
  out["dns"] = dns_json(stored, config_.lifecycle);
  out["warnings"] = warnings;
  return ok_json(out, 201);
}

Response Handler::key_import() {
  require_writer(token_);
  json body;
  bool urlencoded = false;
  std::string pem;
  if (request_.header("content-type").rfind("application/x-www-form-urlencoded", 0) == 0) {
    // The old control panel's shape: a form whose key field is the
    // percent-encoded PEM, decoded once by the form encoding itself.
    for (auto& [k, v] : parse_form(request_.body)) body[k] = v;
    pem = body.value("key", body.value("pem", ""));
  } else {
    body = body_object(request_.body);
    pem = need_string(body, "pem");
    urlencoded = opt_bool(body, "urlencoded");
  }
  db::KeyRecord record = admin::new_key_record(need_string(body, "domain"), need_string(body, "selector"),
                                               opt_string(body, "canon").value_or("relaxed/relaxed"));
  admin::place_first_key(config_.lifecycle, record);
  require_domain(token_, record.domain);
  if (pem.empty()) throw Refusal{400, "pem is required"};
  admin::Warnings warnings;
  crypto::PrivateKey key = admin::parse_import(pem, urlencoded, warnings);
  auto s = store();
  auto stored = admin::store_key(s, record, key);
  log("key.import", {{"domain", stored.domain}, {"selector", stored.selector}}, 201);
  json out = key_json(stored, config_.lifecycle);
  out["dns"] = dns_json(stored, config_.lifecycle);
  out["warnings"] = warnings;
  return ok_json(out, 201);
}

db::KeyRecord Handler::find_key(db::KeyStore& s, const std::string& domain, const std::string& selector) {
  auto key = s.find_key(domain, selector);
  if (!key)
    throw Error(ErrorKind::data, "keystore: no key for selector " + selector + " of domain " + domain);
  crypto::cleanse(key->private_pem);
  key->private_pem.clear();
  return std::move(*key);
}

Response Handler::key_get(const std::string& domain, const std::string& selector) {
  auto s = store();
  auto key = find_key(s, domain, selector);
  json out = key_json(key, config_.lifecycle);
  if (!key.public_key.empty()) out["dns"] = dns_json(key, config_.lifecycle);
  return ok_json(out);
}

Response Handler::key_dns(const std::string& domain, const std::string& selector) {
  auto s = store();
  auto key = find_key(s, domain, selector);
  if (key.public_key.empty())
    throw Error(ErrorKind::data, "keystore: key " + selector + " of domain " + domain +
                                     " has no stored public key (its private key does not load)");
  return ok_json(dns_json(key, config_.lifecycle));
}

Response Handler::key_check(const std::string& domain, const std::string& selector) {
  auto s = store();
  auto key = find_key(s, domain, selector);
  auto expected = crypto::PublicKey::from_dns_value(key.type, key.public_key);
  std::string name = db::dns_record_name(domain, selector);
  std::optional<db::dns::Server> server;
  if (!config_.nameserver.empty()) server = db::dns::parse_server(config_.nameserver);
  auto answer = db::dns::query_txt(name, server, db::dns::QueryOptions{config_.dns_timeout});
  db::RecordCheck result = db::check_answer(answer, expected);
  return ok_json({{"name", name},
                  {"status", std::string(db::record_status_words(result.status))},
                  {"matches", result.status == db::RecordStatus::match},
                  {"detail", result.detail}});
}

// `key delete [--force]`: ?force=true (or 1) is --force.
Response Handler::key_delete(const std::string& domain, const std::string& selector) {
  require_writer(token_);
  std::string force = query("force");
  admin::Warnings warnings;
  json steps;
  lifecycle(steps, [&](admin::Lifecycle& lc) {
    warnings = admin::delete_key(lc, domain, selector, force == "1" || force == "true");
  });
  log("key.delete", {{"domain", domain}, {"selector", selector}}, 200);
  return ok_json({{"deleted", true}, {"warnings", warnings}, {"steps", steps}});
}

// `key rotate DOMAIN SLOT [--to S] [--algorithm A] [--bits N] [--canon C]`.
Response Handler::key_rotate(const std::string& domain, const std::string& slot) {
  require_writer(token_);
  json body = optional_body(request_.body);
  admin::RotateRequest r;
  r.domain = domain;
  r.slot = slot;
  if (auto to = opt_string(body, "to")) r.to = db::normalize_selector(*to);
  r.algorithm = opt_string(body, "algorithm").value_or("");
  r.bits = opt_int(body, "bits");
  if (auto canon = opt_string(body, "canon")) r.canon = admin::normalize_canon(*canon);
  db::KeyRecord key;
  json steps;
  lifecycle(steps, [&](admin::Lifecycle& lc) { key = admin::rotate(lc, r); });
  crypto::cleanse(key.private_pem);
  log("key.rotate", {{"domain", key.domain}, {"slot", key.slot}, {"selector", key.selector}}, 201);
  json out = key_json(key, config_.lifecycle);
  out["dns"] = dns_json(key, config_.lifecycle);
  out["steps"] = steps;
  return ok_json(out, 201);
}

// `key activate DOMAIN SELECTOR [--force]` and `key revoke ... [--force]`:
// {"force": true} is --force.
Response Handler::key_step(const std::string& domain, const std::string& selector, const std::string& step) {
  require_writer(token_);
  bool force = opt_bool(optional_body(request_.body), "force");
  db::KeyRecord key;
  json steps;
  lifecycle(steps, [&](admin::Lifecycle& lc) {
    key = step == "activate" ? admin::activate_key(lc, domain, selector, force)
                             : admin::revoke_key(lc, domain, selector, force);
  });
  log("key." + step, {{"domain", domain}, {"selector", selector}, {"force", force ? "yes" : "no"}}, 200);
  json out = key_json(key, config_.lifecycle);
  out["steps"] = steps;
  return ok_json(out);
}

Response Handler::users_list() {
  json out = json::array();
  for (const auto& u : store().list_users())
    if (sees_user(token_, u)) out.push_back(user_json(u));
  return ok_json(out);
}

Response Handler::user_add() {
  require_writer(token_);
  json body = body_object(request_.body);
  admin::NewUser request;
  request.name = need_string(body, "user");
  request.selectors = opt_string(body, "selector");
  request.domain = opt_string(body, "domain");
  request.any_domain = opt_bool(body, "any_domain");
  request.reauthenticating = opt_bool(body, "reauthenticating");
  auto [user, prefix] = admin::new_user(request);
  // A relay that signs for any domain is the provider's to create.
  if (user.any_domain && !token_.is_admin())
    throw Refusal{403, "token " + token_.name + " may not add users that sign for any domain"};
  if (!token_.is_admin()) require_domain(token_, user.domain);
  auto s = store();
  auto warnings = admin::add_user(s, user, prefix);
  log("user.add", {{"user", user.name}, {"selector", join_commas(user.selectors)}}, 201);
  json out = user_json(user);
  out["warnings"] = warnings;
  return ok_json(out, 201);
}

policy::UserRecord Handler::visible_user(db::KeyStore& s, const db::UserName& name, const char* command) {
  auto user = s.find_user(name.name);
  // Someone else's user is as absent as one that does not exist.
  if (!user || !sees_user(token_, *user))
    throw Error(ErrorKind::data, std::string(command) + ": no user " + name.name);
  return *user;
}

Response Handler::user_get(const std::string& text) {
  auto s = store();
  return ok_json(user_json(visible_user(s, admin::existing_user_name(text), "user")));
}

Response Handler::user_set(const std::string& text) {
  require_writer(token_);
  json body = body_object(request_.body);
  if (body.find("selector") == body.end()) throw Refusal{400, "selector is required (null for none)"};
  auto selector = opt_string(body, "selector");
  db::UserName name = admin::existing_user_name(text);
  std::vector<std::string> selectors;
  if (selector && !selector->empty()) selectors = db::parse_selector_list(*selector);
  auto s = store();
  visible_user(s, name, "user set");
  admin::Warnings warnings;
  auto user = admin::set_user_selectors(s, name, selectors, warnings);
  log("user.set", {{"user", user.name}, {"selector", join_commas(user.selectors)}}, 200);
  json out = user_json(user);
  out["warnings"] = warnings;
  return ok_json(out);
}

Response Handler::user_delete(const std::string& text) {
  require_writer(token_);
  db::UserName name = admin::existing_user_name(text);
  auto s = store();
  visible_user(s, name, "user delete");
  s.transaction([&] {
    if (!s.delete_user(name.name)) throw Error(ErrorKind::data, "user delete: no user " + name.name);
  });
  log("user.delete", {{"user", name.name}}, 200);
  return ok_json({{"deleted", true}});
}

Response Handler::explain() {
  std::string user = query("user"), from = query("from");
  if (user.empty() || from.empty()) throw Refusal{400, "explain needs user and from"};
  policy::Request req;
  std::optional<db::IpRange> ip;
  try {
    if (user.find('/') == std::string::npos) ip = db::parse_ip_range(user);
  } catch (const Error&) {
  }
  (ip ? req.client_ip : req.sasl_user) = user;
  req.from_values = {from};
  auto reader = store();
  policy::Decision d = policy::decide(req, reader);
  // A domain token asks only about mail from its own domains.
  if (!token_.is_admin() && (d.from_domain.empty() || !token_.covers(d.from_domain)))
    throw Refusal{403, "token " + token_.name + " does not manage the From domain"};
  json sigs = json::array();
  for (const auto& k : d.keys) {
    json sig = {{"domain", k.domain}, {"selector", k.selector}};
    if (auto key = reader.find_key(k.domain, k.selector)) {
      sig["algorithm"] = std::string(crypto::algorithm_name(key->type));
      sig["canon"] = key->canon;
      crypto::cleanse(key->private_pem);
    }
    sigs.push_back(sig);
  }
  return ok_json({{"user", d.user.empty() ? user : d.user},
                  {"from_domain", d.from_domain},
                  {"sign", d.sign},
                  {"reason", d.reason},
                  {"signatures", sigs}});
}

Response Handler::whoami() {
  return ok_json({{"name", token_.name}, {"domains", token_.domains}, {"read_only", token_.read_only}});
}

Response Handler::run() {
  const auto& seg = target_.segments;
  if (!target_.valid || seg.size() < 3 || seg[0] != "api" || seg[1] != "v1")
    throw Refusal{404, "no such resource"};
  const std::string& what = seg[2];
  size_t n = seg.size();
  if (what == "keys") {
    if (n == 3 && is("GET")) return keys_list();
    if (n == 3 && is("POST")) return key_generate();
    if (n == 4 && seg[3] == "import" && is("POST")) return key_import();
    if (n == 5 || n == 6) {
      std::string domain = db::normalize_domain(seg[3]);
      require_domain(token_, domain);
      std::string selector = db::normalize_selector(seg[4]);
      if (n == 5 && is("GET")) return key_get(domain, selector);
      if (n == 5 && is("DELETE")) return key_delete(domain, selector);
      if (n == 6 && seg[5] == "dns" && is("GET")) return key_dns(domain, selector);
      if (n == 6 && seg[5] == "check" && is("GET")) return key_check(domain, selector);
      if (n == 6 && seg[5] == "rotate" && is("POST")) return key_rotate(domain, selector);
      if (n == 6 && (seg[5] == "activate" || seg[5] == "revoke") && is("POST"))
        return key_step(domain, selector, seg[5]);
    }
  } else if (what == "users") {
    if (n == 3 && is("GET")) return users_list();
    if (n == 3 && is("POST")) return user_add();
    if (n == 4 && is("GET")) return user_get(seg[3]);
    if (n == 4 && is("PUT")) return user_set(seg[3]);
    if (n == 4 && is("DELETE")) return user_delete(seg[3]);
  } else if (what == "explain" && n == 3 && is("GET")) {
    return explain();
  } else if (what == "token" && n == 3 && is("GET")) {
    return whoami();
  }
  throw Refusal{404, "no such resource"};
}

}  // namespace

const std::vector<Route>& api_routes() {
  static const std::vector<Route> routes = {
      {"GET", "/api/v1/keys"},
      {"POST", "/api/v1/keys"},
      {"POST", "/api/v1/keys/import"},
      {"GET", "/api/v1/keys/{domain}/{selector}"},
      {"DELETE", "/api/v1/keys/{domain}/{selector}"},
      {"GET", "/api/v1/keys/{domain}/{selector}/dns"},
      {"GET", "/api/v1/keys/{domain}/{selector}/check"},
      {"POST", "/api/v1/keys/{domain}/{slot}/rotate"},
      {"POST", "/api/v1/keys/{domain}/{selector}/activate"},
      {"POST", "/api/v1/keys/{domain}/{selector}/revoke"},
      {"GET", "/api/v1/users"},
      {"POST", "/api/v1/users"},
      {"GET", "/api/v1/users/{user}"},
      {"PUT", "/api/v1/users/{user}"},
      {"DELETE", "/api/v1/users/{user}"},
      {"GET", "/api/v1/explain"},
      {"GET", "/api/v1/token"},
  };
  return routes;
}

// In cluster mode the local file is a node's replica, rewritten by
// dkim-filter-sync: the panel writes the cluster, as the admin does.
db::KeyStore open_store(const ApiConfig& config) {
  if (!config.cluster_url.empty()) return cluster::open_store(config.cluster_url, config.cluster_key_file);
  return db::KeyStore::open_writer(config.db_path);
}

db::TokenTable open_tokens(const ApiConfig& config) {
  if (!config.cluster_url.empty()) return cluster::open_tokens(config.cluster_url, config.cluster_key_file);
  open_store(config);  // schema checks and migration first
  return db::TokenTable::open(config.db_path);
}

Response json_error(int status, const std::string& message) {
  Response r;
  r.status = status;
  r.body = json{{"error", message}}.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  if (status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"dkim-filter\"");
  return r;
}

namespace {
// The words of the shared refusals that mean "not in this state": the key
// or user exists, is in use, or its lifecycle state forbids the step
// (db/admin/rules.cpp, db/admin/lifecycle.cpp).
constexpr const char* kConflicts[] = {
    " already",                        // exists; already active, revoked, pending
    "; rotate or revoke it first",     // key delete of an active or retired key
    " is not served by every server",  // activate's DNS gate
    " is revoked; rotate",             // activate of a revoked key
    " is the active key of slot ",     // revoke of an active key
    " is still held by a key",         // rotate in delegation mode
    "no free selector",                // rotate, a hundred times a day
};
}  // namespace

int status_for(const std::exception& e) {
  auto* err = dynamic_cast<const Error*>(&e);
  if (!err) return 500;
  std::string m = err->what();
  switch (err->kind()) {
    case ErrorKind::usage:
      return 400;
    case ErrorKind::data:
      if (m.find(": no key for ") != std::string::npos || m.find(": no user ") != std::string::npos ||
          m.find(" has no key in slot ") != std::string::npos)
        return 404;
      for (const char* conflict : kConflicts)
        if (m.find(conflict) != std::string::npos) return 409;
      return 400;
    case ErrorKind::config:
    case ErrorKind::temporary:
      return 503;
    case ErrorKind::internal:
      return 500;
  }
  return 500;
}

std::optional<db::Token> bearer_token(const ApiConfig& config, const Request& request) {
  std::string auth = request.header("authorization");
  // RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token; the scheme is
  // case-insensitive (RFC 9110 §11.1).
  if (auth.size() < 8 || (auth.compare(0, 7, "Bearer ") != 0 && auth.compare(0, 7, "bearer ") != 0))
    return std::nullopt;
  std::string token = auth.substr(7);
  while (!token.empty() && token.front() == ' ') token.erase(0, 1);
  if (token.empty() || token.size() > 200) return std::nullopt;
  return open_tokens(config).authenticate(token);
}

Response handle_api(const ApiConfig& config, const Request& request, const db::Token& token) {
  try {
    return Handler(config, request, token).run();
  } catch (const Refusal& r) {
    return json_error(r.status, r.message);
  } catch (const std::exception& e) {
    int status = status_for(e);
    return json_error(status, status == 500 ? "internal error" : e.what());
  }
}

void log_change(const ApiConfig& config, const db::Token& token, const std::string& action,
                const std::vector<std::pair<std::string, std::string>>& fields, int status) {
  app::LogLine line;
  line.set("action", action);
  line.set("token", token.name);
  for (const auto& [k, v] : fields) line.set(k, v);
  line.set("status", std::to_string(status));
  std::string text = line.text();
  if (config.log_stderr) {
    text = "dkim-filter-web: " + text + "\n";
    (void)!::write(2, text.data(), text.size());
    return;
  }
  openlog("dkim-filter-web", LOG_PID, LOG_MAIL);
  syslog(LOG_INFO, "%s", text.c_str());
  closelog();
}

}  // namespace dkim::web
