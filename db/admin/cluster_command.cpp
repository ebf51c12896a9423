// SPDX-License-Identifier: MIT
// cluster init | import | prune (dkim-filter-admin(8) "CLUSTER"): the
// PostgreSQL schema, its roles and the cluster key file; loading a
// single-node database into the cluster; trimming the change log.
#include <sys/stat.h>

#include <iostream>

#include "db/admin/cli.h"
#include "db/cluster/cluster_key.h"
#include "db/cluster/cluster_meta.h"
#include "db/cluster/import.h"
#include "db/cluster/pg.h"
#include "db/cluster/pg_store.h"
#include "db/cluster/prune.h"
#include "db/cluster/schema.h"
#include "filter/base/error.h"
#include "filter/crypto/key.h"

namespace dkim::admin {
namespace {

void require_url(const Context& ctx) {
  if (ctx.cluster_url.empty())
    throw Error(ErrorKind::usage, "cluster: no cluster URL (--cluster URL, or cluster = in the config file)");
}

int cluster_init(Context& ctx, const std::vector<std::string>& args) {
  CommandSpec spec{
      "cluster init",
      "[--roles]",
      "Creates or upgrades the cluster's PostgreSQL schema and, if it does not exist, the cluster "
      "key file (32 random bytes, mode 0640, group dkim-filter). Safe to run again.",
      {},
      0,
      ""};
  po::options_description opts("Options");
  opts.add_options()("roles", "also create the roles dkim_filter_writer and dkim_filter_reader");
  po::variables_map vm;
  std::vector<std::string> pos;
  if (!parse_command(args, spec, opts, vm, pos, ctx)) return 0;
  require_url(ctx);
  auto c = cluster::Connection::open(ctx.cluster_url);
  struct stat st {};
  bool made = false;
  if (::stat(ctx.cluster_key_file.c_str(), &st) != 0 && errno == ENOENT) {
    cluster::create_cluster_key(ctx.cluster_key_file);
    made = true;
  }
  std::string key = cluster::load_cluster_key(ctx.cluster_key_file);
  int version = cluster::migrate_cluster(c);
  if (vm.count("roles")) cluster::create_roles(c);
  try {
    cluster::init_cluster_meta(c, key);
  } catch (...) {
    crypto::cleanse(key);
    throw;
  }
  crypto::cleanse(key);
  std::cout << "cluster " << cluster::redact_url(ctx.cluster_url) << " (cluster schema version " << version
            << ")\n"
            << (made ? "created cluster key " : "cluster key ") << ctx.cluster_key_file
            << (made ? " (copy it to every node, mode 0640 root:dkim-filter)\n" : "\n");
  return 0;
}

int cluster_import(Context& ctx, const std::vector<std::string>& args) {
  CommandSpec spec{
      "cluster import",
      "[--db PATH]",
      "Copies every key and user of a single-node database (--db) into the cluster, each private "
      "key encrypted under the cluster key, in one transaction: a key or user already in the "
      "cluster is refused and nothing is imported.",
      {},
      0,
      ""};
  po::options_description opts("Options");
  po::variables_map vm;
  std::vector<std::string> pos;
  if (!parse_command(args, spec, opts, vm, pos, ctx)) return 0;
  require_url(ctx);
  std::string key = cluster::load_cluster_key(ctx.cluster_key_file);
  auto c = cluster::Connection::open(ctx.cluster_url);
  cluster::ImportCounts counts;
  try {
    cluster::require_current_schema(c);
    cluster::verify_cluster_key(c, key, ctx.cluster_key_file);
    counts = cluster::import_sqlite(c, key, ctx.db_path);
  } catch (...) {
    crypto::cleanse(key);
    throw;
  }
  crypto::cleanse(key);
  std::cout << "imported " << counts.keys << " keys and " << counts.users << " users from " << ctx.db_path
            << "\n";
  return 0;
}

int cluster_prune(Context& ctx, const std::vector<std::string>& args) {
  CommandSpec spec{"cluster prune",
                   "[--older-than SECONDS]",
                   "Deletes change-log entries older than SECONDS (default 604800, a week). A node whose "
                   "dkim-filter-sync had not applied them yet takes a fresh snapshot when it next connects.",
                   {},
                   0,
                   ""};
  po::options_description opts("Options");
  opts.add_options()("older-than", po::value<long long>()->default_value(604800),
                     "keep entries younger than this many seconds");
  po::variables_map vm;
  std::vector<std::string> pos;
  if (!parse_command(args, spec, opts, vm, pos, ctx)) return 0;
  require_url(ctx);
  long long older = vm["older-than"].as<long long>();
  if (older < 0) throw Error(ErrorKind::usage, "cluster prune: --older-than must be 0 or more seconds");
  // The writer's checks: the schema, migrated, and the cluster key.
  { auto store = cluster::open_store(ctx.cluster_url, ctx.cluster_key_file); }
  auto c = cluster::Connection::open(ctx.cluster_url);
  auto r = cluster::prune_change_log(c, older);
  std::cout << "pruned " << r.deleted << " change-log entries (pruned through sequence " << r.through
            << ")\n";
  return 0;
}

}  // namespace

int cmd_cluster(Context& ctx, const std::vector<std::string>& args) {
  std::string sub = args.empty() ? "" : args.front();
  std::vector<std::string> rest(args.begin() + (args.empty() ? 0 : 1), args.end());
  if (sub == "init") return cluster_init(ctx, rest);
  if (sub == "import") return cluster_import(ctx, rest);
  if (sub == "prune") return cluster_prune(ctx, rest);
  throw Error(ErrorKind::usage, "cluster: expected init, import or prune (see --help)");
}

}  // namespace dkim::admin
