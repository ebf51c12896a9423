// SPDX-License-Identifier: MIT
// user add / set / list / delete (dkim-filter-admin(8)): the outgoing users
// and the DKIM selectors their mail is signed with.
#include <iostream>

#include "db/admin/cli.h"
#include "db/admin/rules.h"
#include "db/names.h"
#include "filter/base/error.h"
#include "filter/policy/decide.h"

namespace dkim::admin {
namespace {

void warn_missing_keys(db::KeyStore& store, const policy::UserRecord& user) {
  for (const auto& w : missing_key_warnings(store, user)) warn(w);
}

std::string describe(const policy::UserRecord& u) { return describe_user(u); }

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
  NewUser request;
  request.name = pos[0];
  if (vm.count("selector")) request.selectors = vm["selector"].as<std::string>();
  if (vm.count("domain")) request.domain = vm["domain"].as<std::string>();
  request.any_domain = vm.count("any-domain") > 0;
  request.reauthenticating = vm.count("reauthenticating") > 0;
  auto [user, prefix] = new_user(request);
  auto store = open_store(ctx);
  for (const auto& w : add_user(store, user, prefix)) warn(w);
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
      store.put_user(user, ip_prefix_of(user), true);
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
  Warnings warnings;
  policy::UserRecord user = set_user_selectors(store, name, selectors, warnings);
  for (const auto& w : warnings) warn(w);
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
    std::string kind = user_kind_name(u.kind);
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
