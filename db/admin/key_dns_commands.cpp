// SPDX-License-Identifier: MIT
// key dns / key check (dkim-filter-admin(8)): the TXT record to publish
// (RFC 6376 §3.6.1), and the check that what DNS serves is the key the
// filter signs with.
#include <iostream>

#include "db/admin/cli.h"
#include "db/admin/publish.h"
#include "db/dns/client.h"
#include "db/dns_record.h"
#include "db/names.h"
#include "filter/base/error.h"

namespace dkim::admin {
namespace {

crypto::PublicKey stored_public_key(Context& ctx, const std::string& domain, const std::string& selector) {
  auto store = open_store(ctx);
  auto key = store.find_key(domain, selector);
  if (!key)
    throw Error(ErrorKind::data, "keystore: no key for selector " + selector + " of domain " + domain);
  crypto::cleanse(key->private_pem);  // the stored public key is what is published
  if (key->public_key.empty())
    throw Error(ErrorKind::data, "keystore: key " + selector + " of domain " + domain +
                                     " has no stored public key (its private key does not load)");
  return crypto::PublicKey::from_dns_value(key->type, key->public_key);
}

constexpr const char* kCheckCodes =
    "Exit status:\n"
    "  0   the published record matches the stored key\n"
    "  1   a mismatch: a DKIM record is published with a different key (stale), another key type, or\n"
    "      revoked (p= empty); the matching record has s= without email; or a second, different DKIM\n"
    "      record is published beside the matching one (verifiers may pick either)\n"
    "  2   no record: the name does not exist or has no TXT record\n"
    "  3   malformed: a TXT record is there but is not a usable DKIM key record\n"
    "  4   DNS error: timeout, SERVFAIL, REFUSED, unreachable server\n"
    "  with --all: 0 every key's DNS matches its state, 1 a key drifted (each is printed)\n"
    "  64/65/75/78  bad usage / no such key / database busy / database unusable\n";

}  // namespace

int cmd_key_dns(Context& ctx, const std::vector<std::string>& args) {
  CommandSpec spec{"key dns",
                   "DOMAIN SELECTOR [--zone | --cname]",
                   "Prints the DNS TXT record that publishes the public key: "
                   "SELECTOR._domainkey.DOMAIN TXT \"v=DKIM1; k=...; p=...\".",
                   {"DOMAIN", "SELECTOR"},
                   2,
                   ""};
  po::options_description opts("Options");
  opts.add_options()("zone",
                     "print a zone-file line, the value split into strings of at most 255 characters")(
      "cname", "delegation mode: SELECTOR names a slot; print the two CNAMEs the domain publishes once");
  po::variables_map vm;
  std::vector<std::string> pos;
  if (!parse_command(args, spec, opts, vm, pos, ctx)) return 0;
  std::string domain = db::normalize_domain(pos[0]), selector = db::normalize_selector(pos[1]);
  if (vm.count("cname")) {
    if (ctx.config.delegate_zone.empty())
      throw Error(ErrorKind::config, "key dns: --cname needs delegate-zone in the configuration file");
    for (const auto& line : delegation_cnames(ctx.config, domain, selector)) std::cout << line << "\n";
    return 0;
  }
  std::string name = db::dns_record_name(domain, selector);
  std::string value = db::dns_record_value(stored_public_key(ctx, domain, selector));
  if (!ctx.config.delegate_zone.empty()) {  // a delegated key's record lives in the provider's zone
    auto key = open_store(ctx).find_key(domain, selector);
    if (key) {
      crypto::cleanse(key->private_pem);
      name = record_name(ctx.config, *key);
    }
  }
  if (vm.count("zone"))
    std::cout << db::zone_line(name, value) << "\n";
  else
    std::cout << name << " TXT \"" << value << "\"\n";
  return 0;
}

int cmd_key_check(Context& ctx, const std::vector<std::string>& args) {
  CommandSpec spec{
      "key check",
      "(DOMAIN SELECTOR | --all [--metrics FILE]) [--nameserver IP[:PORT]] [--timeout SECONDS]",
      "Looks up SELECTOR._domainkey.DOMAIN TXT in DNS and says whether it publishes the stored key. With "
      "--all, checks every key against its lifecycle state on each zone's authoritative servers.",
      {"DOMAIN", "SELECTOR"},
      0,
      kCheckCodes};
  po::options_description opts("Options");
  opts.add_options()("nameserver", po::value<std::vector<std::string>>()->composing(),
                     "ask this server (IPv4, IPv4:PORT, IPv6 or [IPv6]:PORT) instead of the system resolver "
                     "(with --all: instead of each zone's authoritative servers; repeatable)")(
      "timeout", po::value<int>()->default_value(5), "seconds to wait for an answer")(
      "all", "check every key against its state (see dkim-filter-admin(8)); exit 1 on any drift")(
      "metrics", po::value<std::string>(), "with --all: write a Prometheus textfile to this file");
  po::variables_map vm;
  std::vector<std::string> pos;
  if (!parse_command(args, spec, opts, vm, pos, ctx)) return 0;
  std::vector<std::string> nameservers;
  if (vm.count("nameserver")) nameservers = vm["nameserver"].as<std::vector<std::string>>();
  if (vm.count("all")) {
    if (!pos.empty()) throw Error(ErrorKind::usage, "key check: --all takes no DOMAIN SELECTOR");
    return key_check_all(ctx, nameservers, vm["timeout"].as<int>(),
                         vm.count("metrics") ? vm["metrics"].as<std::string>() : "");
  }
  if (pos.size() != 2) throw Error(ErrorKind::usage, "key check: expected DOMAIN SELECTOR, or --all");
  if (vm.count("metrics")) throw Error(ErrorKind::usage, "key check: --metrics goes with --all");
  if (nameservers.size() > 1) throw Error(ErrorKind::usage, "key check: one --nameserver, unless --all");
  std::string domain = db::normalize_domain(pos[0]), selector = db::normalize_selector(pos[1]);
  auto expected = stored_public_key(ctx, domain, selector);
  std::string name = db::dns_record_name(domain, selector);
  std::optional<db::dns::Server> server;
  if (!nameservers.empty()) server = db::dns::parse_server(nameservers.front());
  int timeout = vm["timeout"].as<int>();
  if (timeout < 1 || timeout > 60)
    throw Error(ErrorKind::usage, "key check: --timeout must be 1 to 60 seconds");
  auto answer = db::dns::query_txt(name, server, db::dns::QueryOptions{timeout});
  db::RecordCheck result = db::check_answer(answer, expected);
  // The detail quotes DNS data, which may hold any byte: print it inert.
  std::cout << name << ": " << db::record_status_words(result.status) << ": "
            << db::escape_text(result.detail) << "\n";
  return db::record_exit_code(result.status);
}

}  // namespace dkim::admin
