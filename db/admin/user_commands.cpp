// SPDX-License-Identifier: MIT
// user add / set / list / delete (dkim-filter-admin(8)): the outgoing users
// and the DKIM selectors their mail is signed with.
#include <iostream>

#include "db/admin/cli.h"
#include "db/names.h"
#include "filter/base/error.h"
#include "filter/mail/ip_address.h"
#include "filter/policy/decide.h"

namespace dkim::admin {
namespace {

// Shown when a selector is set on such a user (dkim-filter(8) rule 2).
constexpr const char* kReauthRefusal =
    "DKIM signing is unavailable if you are using a re-authenticating user";

// Warns, for each selector, when no key exists yet that the filter could
// use for this user's own domain (the filter's own search path, which never
// climbs above that domain: dkim-filter(8) rule 5); any domain's key for
// --any-domain.
void warn_missing_keys(db::KeyStore& store, const policy::UserRecord& user) {
  const std::vector<std::string> domains = policy::key_domains(user, user.domain);
  for (const auto& sel : user.selectors) {
    bool found = false;
    if (user.any_domain) {
      for (const auto& k : store.list_keys()) found = found || k.selector == sel;
    } else {
      for (const auto& d : domains) found = found || store.has_key(d, sel);
    }
    if (!found)
      warn(user.any_domain ? "no domain has a key for selector " + sel + " yet"
                           : "domain " + user.domain + " has no key for selector " + sel +
                                 " yet (dkim-filter-admin key generate " + user.domain + " " + sel + ")");
  }
}

// "login", "bare login", "mailbox wildcard", "domain" or "ip".
std::string kind_words(const policy::UserRecord& u) {
  switch (u.kind) {
    case policy::UserKind::ip:
      return "ip";
    case policy::UserKind::domain:
      return "domain";
    case policy::UserKind::login:
      break;
  }
  if (policy::is_mailbox_wildcard(u.name)) return "mailbox wildcard";
  return u.name.find('@') == std::string::npos ? "bare login" : "login";
}

std::string selector_text(const std::vector<std::string>& selectors) {
  std::string sels;
  for (const auto& s : selectors) sels += (sels.empty() ? "" : ",") + db::escape_text(s);
  return sels.empty() ? "-" : sels;
}

std::string describe(const policy::UserRecord& u) {
  // Escaped: one line per user whatever a row holds (rows written by other
  // tools than this one are not validated).
  return db::escape_text(u.name) + " (" + kind_words(u) + ", domain " +
         (u.domain.empty() ? "-" : db::escape_text(u.domain)) + ", selectors " + selector_text(u.selectors) +
         (u.any_domain ? ", any domain" : "") + (u.reauthenticating ? ", re-authenticating" : "") + ")";
}

// An IP user's prefix length, from its stored name.
int ip_prefix_of(const std::string& name) {
  auto range = mail::parse_ip_range(name);
  return range ? range->prefix : -1;
}

// The stored name USER refers to in set and delete: as `user add` names it,
// or, for a name without '@' that is no domain, the bare login.
db::UserName existing_user_name(const std::string& text) {
  if (auto name = policy::parse_user_name(text)) return *name;
  if (auto bare = policy::login_lookup_name(text)) {
    db::UserName name;
    name.name = *bare;
    return name;
  }
  return db::parse_user_name(text);  // throws, naming the problem
}

int user_add(Context& ctx, const std::vector<std::string>& args) {
  CommandSpec spec{"user add",
                   "USER [options]",
                   "Adds an outgoing user: a SASL login (local@domain), a mailbox wildcard (*@domain: every "
                   "login of that domain without a row of its own), a bare login (a name without '@', with "
                   "--domain), a domain login (domain), or an IP address or CIDR range (192.0.2.0/24, "
                   "2001:db8::/32), recognised by syntax.",
                   {"USER"},
                   1,
                   ""};
  po::options_description opts("Options");
  opts.add_options()("selector", po::value<std::string>(),
                     "DKIM selector(s), comma-separated (one signature each)")(
      "domain", po::value<std::string>(),
      "bare logins and IP users: the domain (and subdomains) they sign for")(
      "any-domain", "may sign for any From domain that has a key for its selector (relays)")(
      "reauthenticating",
      "a user whose mail is handed on to another server that logs in again and signs it: never signed here");
  po::variables_map vm;
  std::vector<std::string> pos;
  if (!parse_command(args, spec, opts, vm, pos, ctx)) return 0;
  const std::string& text = pos[0];
  // A name without '@' given a --domain is a bare login, unless it is IP
  // syntax (wrong IP syntax is refused as such).
  bool bare = vm.count("domain") && text.find('@') == std::string::npos && !db::parse_ip_range(text);
  db::UserName name =
      bare ? db::parse_bare_login(text, vm["domain"].as<std::string>()) : db::parse_user_name(text);
  policy::UserRecord user;
  user.name = name.name;
  user.kind = name.kind;
  user.domain = name.domain;
  user.any_domain = vm.count("any-domain") > 0;
  user.reauthenticating = vm.count("reauthenticating") > 0;
  if (vm.count("selector")) user.selectors = db::parse_selector_list(vm["selector"].as<std::string>());
  if (vm.count("domain") && !bare) {
    if (name.kind != policy::UserKind::ip)
      throw Error(ErrorKind::usage, "user add: --domain is for bare logins and IP users; " + name.name +
                                        " signs for " + name.domain);
    user.domain = db::normalize_domain(vm["domain"].as<std::string>());
  }
  if (user.reauthenticating && !user.selectors.empty())
    throw Error(ErrorKind::data, std::string("user add: ") + kReauthRefusal);
  if (name.kind == policy::UserKind::ip && user.domain.empty() && !user.any_domain && !user.reauthenticating)
    throw Error(ErrorKind::usage, "user add: an IP user needs --domain DOMAIN (or --any-domain)");
  auto store = open_store(ctx);
  store.transaction([&] { store.put_user(user, name.prefix, false); });
  warn_missing_keys(store, user);
  std::cout << "added user " << describe(user) << "\n";
  return 0;
}

// `user set --domain D`: every user whose own domain is D, in one
// transaction; prints one line per user, changed or not.
int user_set_domain(Context& ctx, const std::string& domain_text, const std::vector<std::string>& selectors) {
  std::string domain = db::normalize_domain(domain_text);
  auto store = open_store(ctx);
  std::vector<std::string> lines;
  std::vector<policy::UserRecord> changed;
  store.transaction([&] {
    for (policy::UserRecord user : store.list_users(domain)) {
      std::string before = selector_text(user.selectors);
      if (user.reauthenticating && !selectors.empty()) {
        lines.push_back("skipped user " + describe(user) + ": " + kReauthRefusal);
        continue;
      }
      if (user.selectors == selectors) {
        lines.push_back("unchanged user " + describe(user));
        continue;
      }
      user.selectors = selectors;
      store.put_user(user, user.kind == policy::UserKind::ip ? ip_prefix_of(user.name) : -1, true);
      lines.push_back("updated user " + describe(user) + " (selectors were " + before + ")");
      changed.push_back(user);
    }
  });
  if (lines.empty()) warn("no user has domain " + domain);
  for (const auto& user : changed) warn_missing_keys(store, user);
  for (const auto& line : lines) std::cout << line << "\n";
  return 0;
}

int user_set(Context& ctx, const std::vector<std::string>& args) {
  CommandSpec spec{"user set",
                   "(USER | --domain DOMAIN) (--selector SEL[,SEL...] | --no-selector)",
                   "Changes a user's DKIM selectors, or, with --domain, those of every user whose own domain "
                   "is DOMAIN (its mailbox wildcard included) in one transaction, printing each.",
                   {"USER"},
                   0,
                   ""};
  po::options_description opts("Options");
  opts.add_options()("selector", po::value<std::string>(), "DKIM selector(s), comma-separated")(
      "no-selector", "remove the selectors: the user's mail is no longer signed")(
      "domain", po::value<std::string>(), "every user whose own domain is DOMAIN");
  po::variables_map vm;
  std::vector<std::string> pos;
  if (!parse_command(args, spec, opts, vm, pos, ctx)) return 0;
  if (vm.count("selector") == vm.count("no-selector"))
    throw Error(ErrorKind::usage, "user set: give exactly one of --selector and --no-selector");
  if (pos.empty() == (vm.count("domain") == 0))
    throw Error(ErrorKind::usage, "user set: give exactly one of USER and --domain DOMAIN");
  std::vector<std::string> selectors;
  if (vm.count("selector")) selectors = db::parse_selector_list(vm["selector"].as<std::string>());
  if (vm.count("domain")) return user_set_domain(ctx, vm["domain"].as<std::string>(), selectors);
  db::UserName name = existing_user_name(pos[0]);
  auto store = open_store(ctx);
  policy::UserRecord user;
  store.transaction([&] {
    auto found = store.find_user(name.name);
    if (!found) throw Error(ErrorKind::data, "user set: no user " + name.name);
    user = *found;
    if (user.reauthenticating && !selectors.empty())
      throw Error(ErrorKind::data, std::string("user set: ") + kReauthRefusal);
    user.selectors = selectors;
    store.put_user(user, user.kind == policy::UserKind::ip ? ip_prefix_of(user.name) : -1, true);
  });
  warn_missing_keys(store, user);
  std::cout << "updated user " << describe(user) << "\n";
  return 0;
}

int user_list(Context& ctx, const std::vector<std::string>& args) {
  CommandSpec spec{"user list",
                   "[--domain DOMAIN] [--json]",
                   "Lists outgoing users; with --domain, those whose own domain is DOMAIN (its mailbox "
                   "wildcard included).",
                   {},
                   0,
                   ""};
  po::options_description opts("Options");
  opts.add_options()("json", "JSON array output")("domain", po::value<std::string>(),
                                                  "only users whose own domain is DOMAIN");
  po::variables_map vm;
  std::vector<std::string> pos;
  if (!parse_command(args, spec, opts, vm, pos, ctx)) return 0;
  std::string domain = vm.count("domain") ? db::normalize_domain(vm["domain"].as<std::string>()) : "";
  auto users = open_store(ctx).list_users(domain);
  if (!vm.count("json")) {
    for (const auto& u : users) std::cout << describe(u) << "\n";
    return 0;
  }
  std::cout << "[";
  for (size_t i = 0; i < users.size(); ++i) {
    const auto& u = users[i];
    std::string sels;
    for (const auto& s : u.selectors) sels += (sels.empty() ? "" : ", ") + json_string(s);
    std::string kind = u.kind == policy::UserKind::ip       ? "ip"
                       : u.kind == policy::UserKind::domain ? "domain"
                                                            : "login";
    std::cout << (i ? ",\n " : "") << "{\"user\": " << json_string(u.name)
              << ", \"kind\": " << json_string(kind) << ", \"domain\": " << json_string(u.domain)
              << ", \"selectors\": [" << sels << "], \"any_domain\": " << (u.any_domain ? "true" : "false")
              << ", \"reauthenticating\": " << (u.reauthenticating ? "true" : "false") << "}";
  }
  std::cout << "]\n";
  return 0;
}

int user_delete(Context& ctx, const std::vector<std::string>& args) {
  CommandSpec spec{"user delete", "USER", "Deletes an outgoing user.", {"USER"}, 1, ""};
  po::options_description opts("Options");
  po::variables_map vm;
  std::vector<std::string> pos;
  if (!parse_command(args, spec, opts, vm, pos, ctx)) return 0;
  db::UserName name = existing_user_name(pos[0]);
  auto store = open_store(ctx);
  store.transaction([&] {
    if (!store.delete_user(name.name)) throw Error(ErrorKind::data, "user delete: no user " + name.name);
  });
  return 0;
}

}  // namespace

int cmd_user(Context& ctx, const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << "Usage: dkim-filter-admin user (add|set|list|delete) ... [--help]\n";
    return args.empty() ? exit_code::usage : 0;
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  const std::string& sub = args[0];
  if (sub == "add") return user_add(ctx, rest);
  if (sub == "set") return user_set(ctx, rest);
  if (sub == "list") return user_list(ctx, rest);
  if (sub == "delete") return user_delete(ctx, rest);
  throw Error(ErrorKind::usage, "unknown command 'user " + sub + "' (see user --help)");
}

}  // namespace dkim::admin
