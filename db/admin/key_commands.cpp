// SPDX-License-Identifier: MIT
// key generate / import / list / export / delete (dkim-filter-admin(8)):
// key pairs stored per domain and selector, the record to publish printed.
#include <algorithm>
#include <cctype>
#include <iostream>
#include <optional>

#include "db/admin/cli.h"
#include "db/admin/percent_decode.h"
#include "db/dns_record.h"
#include "db/names.h"
#include "filter/base/error.h"
#include "filter/mail/fd_io.h"
#include "filter/policy/decide.h"

namespace dkim::admin {
namespace {

std::string dns_line(const db::KeyRecord& key, const crypto::PrivateKey& pk) {
  return db::dns_record_name(key.domain, key.selector) + " TXT \"" + db::dns_record_value(pk.public_key()) +
         "\"";
}

// Stores a key in one transaction and prints the record to publish.
void store_key(Context& ctx, db::KeyRecord record, const crypto::PrivateKey& key) {
  record.type = key.type();
  record.bits = key.bits();
  record.private_pem = key.to_pem();
  record.public_key = key.public_key().dns_value();
  auto store = open_store(ctx);
  store.transaction([&] { store.add_key(record); });
  crypto::cleanse(record.private_pem);
  std::cout << dns_line(record, key) << "\n";
}

// The DOMAIN SELECTOR arguments and --canon, validated, shared by generate
// and import.
db::KeyRecord new_record(const std::vector<std::string>& pos, const po::variables_map& vm) {
  db::KeyRecord record;
  record.domain = db::normalize_domain(pos[0]);
  record.selector = db::normalize_selector(pos[1]);
  record.canon = normalize_canon(vm["canon"].as<std::string>());
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
  db::KeyRecord record = new_record(pos, vm);
  std::string algorithm = vm["algorithm"].as<std::string>();
  crypto::KeyType type;
  int bits = vm.count("bits") ? vm["bits"].as<int>() : 2048;
  if (algorithm == "rsa") {
    type = crypto::KeyType::rsa;
    if (bits != 1024 && bits != 2048 && bits != 3072 && bits != 4096)
      throw Error(ErrorKind::usage, "key generate: --bits must be 1024, 2048, 3072 or 4096");
    if (bits == 1024) warn("1024-bit RSA is the minimum (RFC 8301); 2048 is recommended");
  } else if (algorithm == "ed25519") {
    type = crypto::KeyType::ed25519;
    if (vm.count("bits")) throw Error(ErrorKind::usage, "key generate: --bits applies to RSA keys only");
    warn("not every verifier supports ed25519 (RFC 8463); also sign with an RSA key");
  } else {
    throw Error(ErrorKind::usage, "key generate: --algorithm must be rsa or ed25519");
  }
  {  // Refuse before spending seconds on a 4096-bit key; add_key checks again.
    auto store = open_store(ctx);
    if (store.has_key(record.domain, record.selector))
      throw Error(ErrorKind::data, "keystore: domain " + record.domain + " already has a key for selector " +
                                       record.selector +
                                       " (delete it first, or use a new selector to rotate keys)");
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
  db::KeyRecord record = new_record(pos, vm);
  std::string pem = read_input(pos[2]);
  if (vm.count("urlencoded")) {
    std::string decoded = percent_decode(pem);
    crypto::cleanse(pem);
    pem = std::move(decoded);
  }
  std::optional<crypto::PrivateKey> key;
  try {
    key.emplace(crypto::PrivateKey::from_pem(pem, /*thorough=*/true));
  } catch (const Error& e) {
    crypto::cleanse(pem);
    throw Error(ErrorKind::data, std::string("key import: ") + e.what());
  }
  crypto::cleanse(pem);
  if (key->type() == crypto::KeyType::rsa && key->bits() < 2048)
    warn(std::to_string(key->bits()) + "-bit RSA is weak; 2048 is recommended");
  store_key(ctx, record, *key);
  return 0;
}

int key_list(Context& ctx, const std::vector<std::string>& args) {
  CommandSpec spec{
      "key list", "[DOMAIN] [--json]", "Lists stored keys (never the private key).", {"DOMAIN"}, 0, ""};
  po::options_description opts("Options");
  opts.add_options()("json", "JSON array output");
  po::variables_map vm;
  std::vector<std::string> pos;
  if (!parse_command(args, spec, opts, vm, pos, ctx)) return 0;
  std::string domain = pos.empty() ? "" : db::normalize_domain(pos[0]);
  auto keys = open_store(ctx).list_keys(domain);
  if (vm.count("json")) {
    std::cout << "[";
    for (size_t i = 0; i < keys.size(); ++i) {
      const auto& k = keys[i];
      std::cout << (i ? ",\n " : "") << "{\"domain\": " << json_string(k.domain)
                << ", \"selector\": " << json_string(k.selector)
                << ", \"type\": " << json_string(crypto::key_type_name(k.type)) << ", \"bits\": " << k.bits
                << ", \"canon\": " << json_string(k.canon)
                << ", \"created\": " << json_string(iso_time(k.created))
                << ", \"dns_name\": " << json_string(db::dns_record_name(k.domain, k.selector)) << "}";
    }
    std::cout << "]\n";
    return 0;
  }
  // One line per key and one field per tab, whatever a row holds (rows
  // written by other tools than this one are not validated).
  for (const auto& k : keys)
    std::cout << db::escape_text(k.domain) << "\t" << db::escape_text(k.selector) << "\t"
              << crypto::key_type_name(k.type) << "\t" << k.bits << "\t" << db::escape_text(k.canon) << "\t"
              << iso_time(k.created) << "\n";
  return 0;
}

}  // namespace

std::vector<std::string> key_users(db::KeyStore& store, const std::string& domain,
                                   const std::string& selector) {
  std::vector<std::string> users;
  for (const auto& u : store.list_users())
    if (policy::may_sign_with(u, domain, selector)) users.push_back(db::escape_text(u.name));
  return users;
}

namespace {

db::KeyRecord require_key(db::KeyStore& store, const std::string& domain, const std::string& selector) {
  auto key = store.find_key(domain, selector);
  if (!key)
    throw Error(ErrorKind::data, "keystore: no key for selector " + selector + " of domain " + domain);
  return std::move(*key);  // a copy would leave the PEM in the optional, uncleansed
}

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
  std::vector<std::string> pos;
  if (!parse_command(args, spec, opts, vm, pos, ctx)) return 0;
  auto store = open_store(ctx);
  auto key = require_key(store, db::normalize_domain(pos[0]), db::normalize_selector(pos[1]));
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

int key_delete(Context& ctx, const std::vector<std::string>& args) {
  CommandSpec spec{
      "key delete",
      "DOMAIN SELECTOR [--force]",
      "Deletes a stored key. A key that users still sign with (a login's, a mailbox wildcard's, a "
      "domain's or an --any-domain relay's selector) is refused, naming them, unless --force.",
      {"DOMAIN", "SELECTOR"},
      2,
      ""};
  po::options_description opts("Options");
  opts.add_options()("force", "delete it even when users sign with it (their mail then goes out unsigned)");
  po::variables_map vm;
  std::vector<std::string> pos;
  if (!parse_command(args, spec, opts, vm, pos, ctx)) return 0;
  std::string domain = db::normalize_domain(pos[0]), selector = db::normalize_selector(pos[1]);
  auto store = open_store(ctx);
  std::vector<std::string> users;
  store.transaction([&] {
    users = key_users(store, domain, selector);
    if (!store.has_key(domain, selector))
      throw Error(ErrorKind::data, "keystore: no key for selector " + selector + " of domain " + domain);
    if (!users.empty() && !vm.count("force")) {
      std::string names;
      for (const auto& u : users) names += (names.empty() ? "" : ", ") + u;
      throw Error(ErrorKind::data, "key delete: selector " + selector + " of domain " + domain +
                                       " is in use by " + names +
                                       " (their mail would go out unsigned); change their selectors first "
                                       "(user set), or use --force");
    }
    store.delete_key(domain, selector);
  });
  for (const auto& u : users) warn("user " + u + " still lists selector " + selector);
  return 0;
}

}  // namespace

int cmd_key(Context& ctx, const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << "Usage: dkim-filter-admin key (generate|import|list|dns|check|export|delete) ... [--help]\n";
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
  if (sub == "delete") return key_delete(ctx, rest);
  throw Error(ErrorKind::usage, "unknown command 'key " + sub + "' (see key --help)");
}

}  // namespace dkim::admin
