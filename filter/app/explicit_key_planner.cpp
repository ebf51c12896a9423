// SPDX-License-Identifier: MIT
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "filter/app/plan.h"
#include "filter/base/error.h"
#include "filter/mail/fd_io.h"

namespace dkim::app {
namespace {

std::string read_key_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(ErrorKind::config, "key: cannot open " + path + ": " + std::strerror(errno));
  // Both buffers hold key bytes and are cleansed; the reserve means no
  // reallocation leaves a stale copy behind for any real key.
  std::string text;
  text.reserve(64 * 1024);
  std::string buf(4096, '\0');
  try {
    for (;;) {
      std::size_t n = mail::read_some(fd, buf.data(), buf.size());
      if (n == 0) break;
      text.append(buf.data(), n);
      if (text.size() > (1 << 20)) break;  // from_pem refuses it with a reason
    }
  } catch (const Error&) {
    ::close(fd);
    crypto::cleanse(buf);
    crypto::cleanse(text);
    throw Error(ErrorKind::config, "key: cannot read " + path);
  }
  ::close(fd);
  crypto::cleanse(buf);
  return text;
}

class ExplicitKeyPlanner : public Planner {
 public:
  ExplicitKeyPlanner(const Options& o, long long now) : key_(load(o.key_file)) {
    auto canon = parse_canonicalization(o.canon);
    if (!canon) throw Error(ErrorKind::usage, "options: --canon must be simple or relaxed, as H/B");
    options_.domain = o.domain;
    options_.selector = o.selector;
    options_.canon = *canon;
    options_.timestamp = o.timestamp ? *o.timestamp : now;
    if (o.expire_seconds > 0) options_.expiry = options_.timestamp + o.expire_seconds;
  }

  Plan plan(const mail::HeaderBlock&, LogLine& log) override {
    log.set("domain", options_.domain);
    log.set("selector", options_.selector);
    Plan p;
    p.reason = "explicit-key";
    crypto::PublicKey published = key_->public_key();
    p.signatures.push_back(PlannedSignature{std::move(*key_), options_, std::move(published)});
    key_.reset();
    return p;
  }

 private:
  static std::optional<crypto::PrivateKey> load(const std::string& path) {
    std::string pem = read_key_file(path);
    try {
      auto key = crypto::PrivateKey::from_pem(pem);
      crypto::cleanse(pem);
      return key;
    } catch (...) {
      crypto::cleanse(pem);
      throw;
    }
  }

  std::optional<crypto::PrivateKey> key_;
  SignerOptions options_;
};

}  // namespace

std::unique_ptr<Planner> make_explicit_key_planner(const Options& options, long long now) {
  return std::make_unique<ExplicitKeyPlanner>(options, now);
}

}  // namespace dkim::app
