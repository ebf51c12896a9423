// SPDX-License-Identifier: MIT
#include "db/cluster/cluster_config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cerrno>
#include <cstring>
#include <sstream>

#include "db/config_options.h"
#include "filter/base/error.h"

namespace dkim::cluster {
namespace po = boost::program_options;
namespace {

[[noreturn]] void fail(const std::string& what) { throw Error(ErrorKind::config, "config: " + what); }

std::string read_trusted(const std::string& path, bool must_exist, bool& found) {
  found = false;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    if (!must_exist && errno == ENOENT) return {};
    fail("cannot read " + path + ": " + std::strerror(errno));
  }
  found = true;
  struct stat st {};
  std::string problem, text;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
    problem = path + " is not a regular file";
  else if (st.st_uid != 0 && st.st_uid != ::geteuid())
    problem = path + " is owned by uid " + std::to_string(st.st_uid) + ", not root: run chown root " + path;
  else if (st.st_mode & (S_IWGRP | S_IWOTH))
    problem = path + " is writable by group or others: run chmod go-w " + path;
  char buf[4096];
  for (ssize_t n; problem.empty() && (n = ::read(fd, buf, sizeof buf)) != 0;) {
    if (n > 0)
      text.append(buf, static_cast<size_t>(n));
    else if (errno != EINTR)
      problem = "cannot read " + path + ": " + std::strerror(errno);
    if (text.size() > (1 << 20)) problem = path + " is larger than 1 MB: not a configuration file";
  }
  ::close(fd);
  if (!problem.empty()) fail(problem);
  return text;
}

}  // namespace

ClusterConfig read_cluster_config(const std::string& path, bool must_exist) {
  ClusterConfig c;
  bool found = false;
  std::string text = read_trusted(path, must_exist, found);
  if (!found) return c;
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
  std::istringstream in(text);
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
