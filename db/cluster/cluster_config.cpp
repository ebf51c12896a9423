// SPDX-License-Identifier: MIT
#include "db/cluster/cluster_config.h"

#include <boost/program_options.hpp>
#include <sstream>

#include "db/config_options.h"
#include "filter/base/error.h"
#include "filter/base/trusted_file.h"

namespace dkim::cluster {
namespace po = boost::program_options;
namespace {

[[noreturn]] void fail(const std::string& what) { throw Error(ErrorKind::config, "config: " + what); }

}  // namespace

ClusterConfig read_cluster_config(const std::string& path, bool must_exist) {
  ClusterConfig c;
  std::optional<std::string> text = read_trusted_file(path, must_exist);
  if (!text) return c;
  po::options_description d;
  d.add_options()("cluster", po::value<std::string>())("cluster-key", po::value<std::string>());
  for (std::string_view name : kOtherFileOptions)
    if (name != "db") d.add_options()(std::string(name).c_str(), po::value<std::string>());
  d.add_options()("db", po::value<std::string>());
  for (std::string_view name : config::kAdminOptions)
    d.add_options()(std::string(name).c_str(), po::value<std::string>());
  for (std::string_view name : config::kWebOptions)
    d.add_options()(std::string(name).c_str(), po::value<std::string>());
  po::variables_map vm;
  std::istringstream in(*text);
  try {
    po::store(po::parse_config_file(in, d), vm);
  } catch (const po::error& e) {
    fail(path + ": " + e.what());
  }
  if (vm.count("cluster")) c.url = vm["cluster"].as<std::string>();
  if (vm.count("cluster-key")) c.key_file = vm["cluster-key"].as<std::string>();
  if (vm.count("db")) c.db = vm["db"].as<std::string>();
  return c;
}

}  // namespace dkim::cluster
