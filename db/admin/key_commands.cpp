// SPDX-License-Identifier: MIT
// key generate / import / list / export / delete (dkim-filter-admin(8)):
// key pairs stored per domain and selector, the record to publish printed.
#include <algorithm>
#include <cctype>
#include <iostream>
#include <optional>

#include "db/admin/cli.h"
#include "db/admin/lifecycle.h"
#include "db/admin/publish.h"
#include "db/admin/rules.h"
#include "db/dns_record.h"
#include "db/names.h"
#include "filter/base/error.h"
#include "filter/mail/fd_io.h"
#include "filter/policy/decide.h"

namespace dkim::admin {
namespace {

std::string dns_line(const AdminConfig& config, const db::KeyRecord& key, const crypto::PrivateKey& pk) {
  return record_name(config, key) + " TXT \"" + db::dns_record_value(pk.public_key()) + "\"";
}

void warn_all(const Warnings& warnings) {
  for (const auto& w : warnings) warn(w);
}

// Stores a key in one transaction and prints the record to publish.
// In delegation mode, also the CNAMEs the customer publishes once.
void store_key(Context& ctx, const db::KeyRecord& record, const crypto::PrivateKey& key) {
  auto store = open_store(ctx);
  auto stored = admin::store_key(store, record, key);
  std::cout << dns_line(ctx.config, stored, key) << "\n";
  if (delegated(ctx.config, stored)) {
    std::cout << "; the domain publishes once (key dns " << stored.domain << " " << stored.slot
              << " --cname):\n";
    for (const auto& line : delegation_cnames(ctx.config, stored.domain, stored.slot))
      std::cout << line << "\n";
  }
}

// The DOMAIN SELECTOR arguments and --canon, validated, shared by generate
// and import; in delegation mode SELECTOR names the slot (SLOT-a).
db::KeyRecord new_record(const Context& ctx, const std::vector<std::string>& pos,
                         const po::variables_map& vm) {
  db::KeyRecord record = new_key_record(pos[0], pos[1], vm["canon"].as<std::string>());
  place_first_key(ctx.config, record);
  return record;
}

int key_generate(Context& ctx, const std::vector<std::string>& args) {
  CommandSpec spec{"key generate",
                   "DOMAIN SELECTOR [options]",
                   "Generates a key pair for DOMAIN and SELECTOR, stores it, and prints the DNS TXT record "
                   "to publish.",
                   {"DOMAIN", "SELECTOR"},
                   2,
                   ""};
  po::options_description opts("Options");
  opts.add_options()("bits", po::value<int>(), "RSA key size: 1024, 2048 (default), 3072 or 4096")(
      "algorithm", po::value<std::string>()->default_value("rsa"), "rsa or ed25519")(
      "canon", po::value<std::string>()->default_value("relaxed/relaxed"), "canonicalization HEADER/BODY");
  po::variables_map vm;
  std::vector<std::string> pos;
  if (!parse_command(args, spec, opts, vm, pos, ctx)) return 0;
  db::KeyRecord record = new_record(ctx, pos, vm);
  Warnings warnings;
  auto [type, bits] =
      check_generate(vm["algorithm"].as<std::string>(),
                     vm.count("bits") ? std::optional<int>(vm["bits"].as<int>()) : std::nullopt, warnings);
  warn_all(warnings);
  {  // Refuse before spending seconds on a 4096-bit key; add_key checks again.
    auto store = open_store(ctx);
    refuse_existing_key(store, record);
  }
  store_key(ctx, record, crypto::PrivateKey::generate(type, bits));
  return 0;
}

int key_import(Context& ctx, const std::vector<std::string>& args) {
  CommandSpec spec{"key import",
                   "DOMAIN SELECTOR FILE|- [options]",
                   "Stores an existing private key (PEM, PKCS#1 or PKCS#8; '-' reads stdin) for DOMAIN and "
                   "SELECTOR and prints the DNS TXT record to publish.",
                   {"DOMAIN", "SELECTOR", "FILE"},
                   3,
                   ""};
  po::options_description opts("Options");
  opts.add_options()("urlencoded",
                     "the PEM is percent-encoded (%XX escapes, as web forms and URL-style APIs send it)")(
      "canon", po::value<std::string>()->default_value("relaxed/relaxed"), "canonicalization HEADER/BODY");
  po::variables_map vm;
  std::vector<std::string> pos;
  if (!parse_command(args, spec, opts, vm, pos, ctx)) return 0;
  db::KeyRecord record = new_record(ctx, pos, vm);
  std::string pem = read_input(pos[2]);
  Warnings warnings;
  crypto::PrivateKey key = parse_import(pem, vm.count("urlencoded") > 0, warnings);
  warn_all(warnings);
  store_key(ctx, record, key);
  return 0;
}

int key_list(Context& ctx, const std::vector<std::string>& args) {
  CommandSpec spec{"key list",
                   "[DOMAIN] [--json]",
                   "Lists stored keys (never the private key), one per line: domain, selector, type, bits, "
                   "canon, created, "
                   "slot, state, and when it was activated, retired and revoked ('-': not yet).",
                   {"DOMAIN"},
                   0,
                   ""};
  po::options_description opts("Options");
  opts.add_options()("json", "JSON array output");
  po::variables_map vm;
  std::vector<std::string> pos;
  if (!parse_command(args, spec, opts, vm, pos, ctx)) return 0;
  std::string domain = pos.empty() ? "" : db::normalize_domain(pos[0]);
  auto keys = open_store(ctx).list_keys(domain);
  auto when = [](long long t) { return t ? iso_time(t) : std::string("-"); };
  if (vm.count("json")) {
    std::cout << "[";
    for (size_t i = 0; i < keys.size(); ++i) {
      const auto& k = keys[i];
      auto json_time = [&](long long t) { return t ? json_string(iso_time(t)) : std::string("null"); };
      std::cout << (i ? ",\n " : "") << "{\"domain\": " << json_string(k.domain)
                << ", \"selector\": " << json_string(k.selector)
                << ", \"type\": " << json_string(crypto::key_type_name(k.type)) << ", \"bits\": " << k.bits
                << ", \"canon\": " << json_string(k.canon)
                << ", \"created\": " << json_string(iso_time(k.created))
                << ", \"dns_name\": " << json_string(db::dns_record_name(k.domain, k.selector))
                << ", \"slot\": " << json_string(k.slot)
                << ", \"state\": " << json_string(db::key_state_name(k.state))
                << ", \"activated\": " << json_time(k.activated) << ", \"retired\": " << json_time(k.retired)
                << ", \"revoked\": " << json_time(k.revoked) << ", \"published\": " << json_time(k.published)
                << "}";
    }
    std::cout << "]\n";
    return 0;
  }
  // One line per key and one field per tab, whatever a row holds (rows
  // written by other tools than this one are not validated).
  for (const auto& k : keys)
    std::cout << db::escape_text(k.domain) << "\t" << db::escape_text(k.selector) << "\t"
              << crypto::key_type_name(k.type) << "\t" << k.bits << "\t" << db::escape_text(k.canon) << "\t"
              << iso_time(k.created) << "\t" << db::escape_text(k.slot) << "\t" << db::key_state_name(k.state)
              << "\t" << when(k.activated) << "\t" << when(k.retired) << "\t" << when(k.revoked) << "\n";
  return 0;
}

}  // namespace

namespace {

int key_export(Context& ctx, const std::vector<std::string>& args) {
  CommandSpec spec{"key export",
                   "DOMAIN SELECTOR",
                   "Prints the stored private key as PKCS#8 PEM, for backups and for testing with "
                   "dkim-filter --key. Keep the output as secret as the database.",
                   {"DOMAIN", "SELECTOR"},
                   2,
                   ""};
  po::options_description opts("Options");
  po::variables_map vm;
  auto name = parse_key_command(args, spec, opts, vm, ctx);
  if (!name) return 0;
  auto store = open_store(ctx);
  auto key = require_key(store, name->domain, name->selector);
  // Straight to the descriptor: std::cout's buffer would keep a copy.
  std::cout << std::flush;
  try {
    mail::write_all(1, key.private_pem);
  } catch (...) {
    crypto::cleanse(key.private_pem);
    throw;
  }
  crypto::cleanse(key.private_pem);
  return 0;
}

}  // namespace

int cmd_key(Context& ctx, const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout
        << "Usage: dkim-filter-admin key "
           "(generate|import|list|dns|check|export|delete|rotate|activate|revoke|publish) ... [--help]\n";
    return args.empty() ? exit_code::usage : 0;
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  const std::string& sub = args[0];
  if (sub == "generate") return key_generate(ctx, rest);
  if (sub == "import") return key_import(ctx, rest);
  if (sub == "list") return key_list(ctx, rest);
  if (sub == "dns") return cmd_key_dns(ctx, rest);
  if (sub == "check") return cmd_key_check(ctx, rest);
  if (sub == "export") return key_export(ctx, rest);
  if (sub == "delete") return cmd_key_delete(ctx, rest);
  if (int rc = cmd_key_lifecycle(ctx, sub, rest); rc >= 0) return rc;
  throw Error(ErrorKind::usage, "unknown command 'key " + sub + "' (see key --help)");
}

}  // namespace dkim::admin
