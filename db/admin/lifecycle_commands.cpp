// SPDX-License-Identifier: MIT
// key rotate / activate / revoke / publish and lifecycle run: the command
// lines of the key lifecycle (dkim-filter-admin(8) "KEY LIFECYCLE"). The
// steps themselves are in lifecycle.cpp.
#include <algorithm>
#include <ctime>
#include <functional>
#include <iostream>

#include "db/admin/cli.h"
#include "db/admin/lifecycle.h"
#include "db/names.h"
#include "filter/base/error.h"

namespace dkim::admin {
namespace {

// --nameserver and --timeout, for the commands that ask DNS.
void add_dns_options(po::options_description& opts) {
  opts.add_options()("nameserver", po::value<std::vector<std::string>>()->composing(),
                     "ask this server (IPv4, IPv4:PORT, IPv6 or [IPv6]:PORT) instead of the zone's "
                     "authoritative servers; repeatable")("timeout", po::value<int>()->default_value(5),
                                                          "seconds to wait for each DNS answer");
}

// Runs `body` with a Lifecycle on the writer's database, saying its steps
// on stdout.
int with_lifecycle(Context& ctx, const po::variables_map& vm, long long now,
                   const std::function<int(Lifecycle&)>& body) {
  DnsSettings dns;
  if (vm.count("timeout")) dns.timeout = vm["timeout"].as<int>();
  if (vm.count("nameserver")) dns.nameservers = vm["nameserver"].as<std::vector<std::string>>();
  auto store = open_store(ctx);
  return with_lifecycle(store, ctx.config, dns, now, std::cout, body);
}

long long now_of(const po::variables_map& vm) {
  return vm.count("now") ? parse_time(vm["now"].as<std::string>())
                         : static_cast<long long>(std::time(nullptr));
}

int key_rotate(Context& ctx, const std::vector<std::string>& args) {
  CommandSpec spec{
      "key rotate",
      "DOMAIN SLOT [--to SELECTOR] [--algorithm A] [--bits N]",
      "Makes a pending successor for the key in SLOT under a new selector (default SLOT-YYYYMMDD), "
      "and publishes its record by RFC 2136 update when dns-update is set, or prints it. It signs "
      "only after key activate (or lifecycle run).",
      {"DOMAIN", "SLOT"},
      2,
      ""};
  po::options_description opts("Options");
  opts.add_options()("to", po::value<std::string>(), "the new key's selector (never one the domain used)")(
      "algorithm", po::value<std::string>(), "rsa or ed25519 (default: the slot's current key's)")(
      "bits", po::value<int>(), "RSA key size: 1024, 2048, 3072 or 4096 (default: the current key's)")(
      "canon", po::value<std::string>(), "canonicalization HEADER/BODY (default: the current key's)");
  po::variables_map vm;
  std::vector<std::string> pos;
  if (!parse_command(args, spec, opts, vm, pos, ctx)) return 0;
  RotateRequest r;
  r.domain = db::normalize_domain(pos[0]);
  r.slot = db::normalize_selector(pos[1]);
  if (vm.count("to")) r.to = db::normalize_selector(vm["to"].as<std::string>());
  if (vm.count("algorithm")) r.algorithm = vm["algorithm"].as<std::string>();
  if (vm.count("bits")) r.bits = vm["bits"].as<int>();
  if (vm.count("canon")) r.canon = normalize_canon(vm["canon"].as<std::string>());
  return with_lifecycle(ctx, vm, now_of(vm), [&](Lifecycle& lc) {
    auto key = rotate(lc, r);
    lc.out << "next: key activate " << key.domain << " " << key.selector
           << " once every authoritative server serves the record\n";
    return 0;
  });
}

// A command of the form `key STEP DOMAIN SELECTOR [--force]`: its help, its
// --force (if any) and the step, which returns the warnings to print.
struct KeyStep {
  CommandSpec spec;
  const char* force_help;  ///< nullptr: no --force
  bool asks_dns;           ///< --nameserver and --timeout
  std::function<Warnings(Lifecycle&, const KeyName&, bool force)> step;
};

int run_key_step(Context& ctx, const std::vector<std::string>& args, const KeyStep& command) {
  po::options_description opts("Options");
  if (command.force_help) opts.add_options()("force", command.force_help);
  if (command.asks_dns) add_dns_options(opts);
  po::variables_map vm;
  auto name = parse_key_command(args, command.spec, opts, vm, ctx);
  if (!name) return 0;
  return with_lifecycle(ctx, vm, now_of(vm), [&](Lifecycle& lc) {
    for (const auto& w : command.step(lc, *name, vm.count("force") > 0)) warn(w);
    return 0;
  });
}

CommandSpec key_spec(const char* name, const char* usage, const char* summary) {
  return CommandSpec{name, usage, summary, {"DOMAIN", "SELECTOR"}, 2, ""};
}

const KeyStep kActivate{
    key_spec("key activate", "DOMAIN SELECTOR [--force] [--nameserver IP[:PORT]]...",
             "Makes the key its slot's active key, the one the filter signs with; the slot's previous "
             "active key becomes retired. Refused unless every authoritative server of the zone (or "
             "every --nameserver) serves a record that matches the key."),
    "switch without asking DNS", true, [](Lifecycle& lc, const KeyName& k, bool force) {
      activate_key(lc, k.domain, k.selector, force);
      return Warnings{};
    }};

const KeyStep kRevoke{
    key_spec("key revoke", "DOMAIN SELECTOR [--force]",
             "Revokes a retired or pending key: it never signs again and its record is published with an "
             "empty p= (RFC 6376 section 3.6.1), by RFC 2136 update when dns-update is set."),
    "also revoke an active key (its slot then signs nothing)", false,
    [](Lifecycle& lc, const KeyName& k, bool force) {
      revoke_key(lc, k.domain, k.selector, force);
      return Warnings{};
    }};

const KeyStep kPublish{
    key_spec("key publish", "DOMAIN SELECTOR",
             "Publishes the record the key's state calls for (its key, or an empty p= when revoked) by "
             "RFC 2136 update to the dns-update server."),
    nullptr, false, [](Lifecycle& lc, const KeyName& k, bool) {
      auto key = require_key(lc.store, k.domain, k.selector);
      crypto::cleanse(key.private_pem);
      publish(lc, key);
      return Warnings{};
    }};

const KeyStep kDelete{
    key_spec("key delete", "DOMAIN SELECTOR [--force]",
             "Deletes a revoked or never-activated key, and its record when dns-update is set. An active "
             "or retired key needs --force; the refusal names the users that sign with an active one."),
    "also delete an active or retired key (the users of an active one then send unsigned)", false,
    [](Lifecycle& lc, const KeyName& k, bool force) { return delete_key(lc, k.domain, k.selector, force); }};

}  // namespace

int cmd_key_lifecycle(Context& ctx, const std::string& sub, const std::vector<std::string>& args) {
  if (sub == "rotate") return key_rotate(ctx, args);
  if (sub == "activate") return run_key_step(ctx, args, kActivate);
  if (sub == "revoke") return run_key_step(ctx, args, kRevoke);
  if (sub == "publish") return run_key_step(ctx, args, kPublish);
  return -1;
}

int cmd_key_delete(Context& ctx, const std::vector<std::string>& args) {
  return run_key_step(ctx, args, kDelete);
}

int cmd_lifecycle(Context& ctx, const std::vector<std::string>& args) {
  if (args.empty() || args[0] != "run") {
    if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
      std::cout
          << "Usage: dkim-filter-admin lifecycle run [--now TIME] [--nameserver IP[:PORT]]... [--help]\n";
      return 0;
    }
    throw Error(ErrorKind::usage, "lifecycle: expected 'lifecycle run' (see lifecycle run --help)");
  }
  CommandSpec spec{
      "lifecycle run",
      "[--now TIME] [--nameserver IP[:PORT]]...",
      "Takes every lifecycle step that is due, for every key: activates pending keys once every "
      "authoritative server has served their record for its TTL, revokes keys retired longer than "
      "retire-after, deletes keys revoked longer than delete-after, and starts rotations for slots "
      "older than rotate-every. Idempotent: for a daily timer.",
      {},
      0,
      "Exit status: 0 every due step was taken, 1 a step failed (each is printed), 64/75/78 as for "
      "other commands.\n"};
  po::options_description opts("Options");
  opts.add_options()("now", po::value<std::string>(),
                     "act as if it were TIME (unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)");
  add_dns_options(opts);
  po::variables_map vm;
  std::vector<std::string> pos;
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (!parse_command(rest, spec, opts, vm, pos, ctx)) return 0;
  return with_lifecycle(ctx, vm, now_of(vm), [&](Lifecycle& lc) { return run(lc) ? 1 : 0; });
}

}  // namespace dkim::admin
