// SPDX-License-Identifier: MIT
// key dns / key check (dkim-filter-admin(8)): the TXT record to publish
// (RFC 6376 §3.6.1), and the check that what DNS serves is the key the
// filter signs with.
#include <iostream>

#include "db/admin/cli.h"
#include "db/dns_query.h"
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
    "  64/65/75/78  bad usage / no such key / database busy / database unusable\n";

}  // namespace

int cmd_key_dns(Context& ctx, const std::vector<std::string>& args) {
  CommandSpec spec{"key dns",
                   "DOMAIN SELECTOR [--zone]",
                   "Prints the DNS TXT record that publishes the public key: "
                   "SELECTOR._domainkey.DOMAIN TXT \"v=DKIM1; k=...; p=...\".",
                   {"DOMAIN", "SELECTOR"},
                   2,
                   ""};
  po::options_description opts("Options");
  opts.add_options()("zone",
                     "print a zone-file line, the value split into strings of at most 255 characters");
  po::variables_map vm;
  std::vector<std::string> pos;
  if (!parse_command(args, spec, opts, vm, pos, ctx)) return 0;
  std::string domain = db::normalize_domain(pos[0]), selector = db::normalize_selector(pos[1]);
  std::string name = db::dns_record_name(domain, selector);
  std::string value = db::dns_record_value(stored_public_key(ctx, domain, selector));
  if (vm.count("zone"))
    std::cout << db::zone_line(name, value) << "\n";
  else
    std::cout << name << " TXT \"" << value << "\"\n";
  return 0;
}

int cmd_key_check(Context& ctx, const std::vector<std::string>& args) {
  CommandSpec spec{
      "key check",
      "DOMAIN SELECTOR [--nameserver IP[:PORT]] [--timeout SECONDS]",
      "Looks up SELECTOR._domainkey.DOMAIN TXT in DNS and says whether it publishes the stored key.",
      {"DOMAIN", "SELECTOR"},
      2,
      kCheckCodes};
  po::options_description opts("Options");
  opts.add_options()("nameserver", po::value<std::string>(),
                     "ask this server (IPv4, IPv4:PORT, IPv6 or [IPv6]:PORT) instead of the system resolver")(
      "timeout", po::value<int>()->default_value(5), "seconds to wait for an answer");
  po::variables_map vm;
  std::vector<std::string> pos;
  if (!parse_command(args, spec, opts, vm, pos, ctx)) return 0;
  std::string domain = db::normalize_domain(pos[0]), selector = db::normalize_selector(pos[1]);
  auto expected = stored_public_key(ctx, domain, selector);
  std::string name = db::dns_record_name(domain, selector);
  std::string server = vm.count("nameserver") ? vm["nameserver"].as<std::string>() : "";
  auto answer = db::query_txt(name, server, vm["timeout"].as<int>());
  db::RecordCheck result;
  switch (answer.outcome) {
    case db::TxtAnswer::Outcome::records:
      result = db::check_records(answer.records, expected);
      break;
    case db::TxtAnswer::Outcome::nxdomain:
      result = {db::RecordStatus::no_record, "name does not exist (NXDOMAIN)"};
      break;
    case db::TxtAnswer::Outcome::nodata:
      result = {db::RecordStatus::no_record, "no TXT record at this name"};
      break;
    case db::TxtAnswer::Outcome::error:
      result = {db::RecordStatus::dns_error, answer.error};
      break;
  }
  // The detail quotes DNS data, which may hold any byte: print it inert.
  std::cout << name << ": " << db::record_status_words(result.status) << ": "
            << db::escape_text(result.detail) << "\n";
  return db::record_exit_code(result.status);
}

}  // namespace dkim::admin
