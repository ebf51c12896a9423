// SPDX-License-Identifier: MIT
// explain: runs the filter's own decision code (policy::decide) against the
// database the way the filter opens it, and prints the outcome.
#include <unistd.h>

#include <iostream>

#include "db/admin/cli.h"
#include "db/admin/process.h"
#include "db/names.h"
#include "filter/base/error.h"
#include "filter/mail/ascii.h"
#include "filter/mail/ip_address.h"
#include "filter/policy/decide.h"

namespace dkim::admin {
namespace {

// The filter's own open of the database (permissions, side files, schema),
// as the filter's user in a child process: root reads a database that the
// filter may not. False, after printing the decision the filter would
// reach (defer: exit 75), when it fails.
bool filter_can_open(const Context& ctx, const std::string& filter_user, const std::string& user) {
  auto account = find_account(filter_user);
  if (!account) {
    warn("no account " + filter_user +
         ": not checked whether the filter can open the database (--filter-user)");
    return true;
  }
  if (::geteuid() != 0 && ::geteuid() != account->uid) {
    warn("not root: not checked whether " + filter_user + " can open the database");
    return true;
  }
  // 0: it opens; 1: it cannot (printed); 2: a configuration problem of
  // the database itself, which root's own open below reports (exit 78).
  int rc = run_as(*account, [&] {
    try {
      db::KeyStore::open_reader(ctx.db_path);
      return 0;
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::config) return 2;
      std::cout << "user: " << user << "\n"
                << "decision: tempfail (as " << account->name
                << ", the filter cannot open the database: " << e.what()
                << "; the MTA keeps the message and retries)\n";
      return 1;
    }
  });
  return rc != 1;
}

}  // namespace

int cmd_explain(Context& ctx, const std::vector<std::string>& args) {
  CommandSpec spec{
      "explain",
      "--user USER --from ADDRESS",
      "Shows which key would sign a message with From: ADDRESS sent by USER (a SASL login, or an "
      "IP address for a client without SASL), or which rule stops it.",
      {},
      0,
      "Run as root, it first opens the database as the filter's user (--filter-user) the way the filter "
      "does, and says so when that fails: the filter would defer the message.\n"
      "Exit status: 0 the message would be signed, 1 it would not, 75 the filter's user cannot open the "
      "database, 64/75/78 as for other commands (78 also when the filter would refuse the database).\n"};
  po::options_description opts("Options");
  opts.add_options()("user", po::value<std::string>()->required(), "SASL user, or the client IP address")(
      "from", po::value<std::string>()->required(), "the From: header value")(
      "filter-user", po::value<std::string>()->default_value("dkim-filter"),
      "the account the filter runs as (Postfix pipe(8) user=; Exim: Debian-exim)");
  po::variables_map vm;
  std::vector<std::string> pos;
  if (!parse_command(args, spec, opts, vm, pos, ctx)) return 0;
  std::string user = vm["user"].as<std::string>();
  // In cluster mode the filters read their nodes' replicas, which doctor
  // checks there; here the decision is made on the cluster's own rows.
  if (!cluster_mode(ctx) && !filter_can_open(ctx, vm["filter-user"].as<std::string>(), user))
    return exit_code::tempfail;
  policy::Request request;
  // An address is the client of a message without SASL (-a), as the
  // filter's own rule 1 sees it; anything else is a SASL login (-u).
  (mail::canonical_ip(user) ? request.client_ip : request.sasl_user) = user;
  request.from_values = {vm["from"].as<std::string>()};
  // The filter's view: read-only, the same permission and schema checks.
  auto store = cluster_mode(ctx) ? open_store(ctx) : db::KeyStore::open_reader(ctx.db_path);
  policy::Decision d = policy::decide(request, store);
  std::cout << "user: " << (d.user.empty() ? user : d.user) << "\n";
  if (policy::is_mailbox_wildcard(d.user) && !policy::is_mailbox_wildcard(mail::ascii_lower(user)))
    std::cout << "matched by: mailbox wildcard " << d.user << " (" << user << " has no row of its own)\n";
  std::cout << "from domain: " << (d.from_domain.empty() ? "-" : d.from_domain) << "\n"
            << "decision: " << (d.sign ? "sign" : "not signed") << " (" << d.reason << ")\n";
  for (const auto& bad : d.bad_selectors)
    std::cout << "skipped selector: " << json_string(bad)
              << " (not a valid selector, RFC 6376 section 3.1)\n";
  // The user's selector names a slot; its active key signs under its own
  // selector (dkim-filter-admin(8) "KEY LIFECYCLE").
  for (const auto& k : d.keys) {
    auto key = store.find_signing_key(k.domain, k.selector);
    std::cout << "signature: d=" << k.domain << " s=" << (key ? key->selector : k.selector);
    if (key) {
      std::cout << " a=" << crypto::algorithm_name(key->type) << " c=" << key->canon;
      crypto::cleanse(key->private_pem);
    }
    std::cout << " (slot " << k.selector;
    for (const auto& other : store.list_keys(k.domain))
      if (other.slot == k.selector && other.state == db::KeyState::pending)
        std::cout << ", pending " << other.selector;
    std::cout << ")\n";
  }
  return d.sign ? 0 : 1;
}

}  // namespace dkim::admin
