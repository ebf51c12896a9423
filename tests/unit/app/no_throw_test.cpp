// SPDX-License-Identifier: MIT
// Ordinary decisions are answers, not exceptions: every way a message is
// passed on unsigned (unknown user, foreign domain, no key, malformed
// header, no From) and the ordinary signing paths run the whole filter,
// database included, without one throw. A throw on that path is not only a
// style matter: the static binary's first throw sorts the unwind tables of
// the whole image (tens of millions of instructions, bench/callgrind).
//
// The count comes from the C++ ABI's one entry point for every throw
// expression, __cxa_throw (Itanium C++ ABI §2.4.3), wrapped here: the
// test binary's definition takes precedence over libstdc++'s, and forwards
// to it (dlsym RTLD_NEXT), so exceptions still work.
#include <cxxabi.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "db/keystore.h"
#include "filter/app/filter_run.h"
#include "filter/crypto/key.h"

namespace {
std::atomic<int> g_throws{0};
}  // namespace

namespace __cxxabiv1 {
extern "C" void __cxa_throw(void* object, std::type_info* type, void (*destructor)(void*)) {
  ++g_throws;
  using Real = void (*)(void*, std::type_info*, void (*)(void*));
  static Real real = reinterpret_cast<Real>(dlsym(RTLD_NEXT, "__cxa_throw"));
  if (!real) std::abort();
  real(object, type, destructor);
  __builtin_unreachable();
}
}  // namespace __cxxabiv1

namespace dkim::app {
namespace {

namespace fs = std::filesystem;

class NoThrow : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dkim-nothrow-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    db_ = dir_ + "/dkim.db";
    auto store = db::KeyStore::create(db_);
    auto key = crypto::PrivateKey::generate(crypto::KeyType::ed25519);
    store.transaction([&] {
      db::KeyRecord k;
      k.domain = "example.com";
      k.selector = "s1";
      k.type = key.type();
      k.bits = key.bits();
      k.private_pem = key.to_pem();
      k.public_key = key.public_key().dns_value();
      store.add_key(k);
      store.put_user(user("alice@example.com", policy::UserKind::login, "example.com", {"s1"}), -1, false);
      store.put_user(user("nokey@example.com", policy::UserKind::login, "example.com", {"s9"}), -1, false);
      store.put_user(user("192.0.2.0/24", policy::UserKind::ip, "example.com", {"s1"}), 24, false);
    });
  }
  void TearDown() override { fs::remove_all(dir_); }

  static policy::UserRecord user(const std::string& name, policy::UserKind kind, const std::string& domain,
                                 std::vector<std::string> selectors) {
    policy::UserRecord u;
    u.name = name;
    u.kind = kind;
    u.domain = domain;
    u.selectors = std::move(selectors);
    return u;
  }

  // Runs the filter on `message` (stdin) into a file (stdout) and returns
  // the throws counted while it ran; `output` gets what it wrote.
  int throws_running(const std::string& sasl_user, const std::string& client_ip, const std::string& message,
                     std::string& output) {
    std::string in = dir_ + "/in.eml", out = dir_ + "/out.eml";
    std::ofstream(in, std::ios::binary) << message;
    Options o;
    o.to_stdout = true;
    o.log = LogTarget::stderr_;
    o.db_path = db_;
    o.sasl_user = sasl_user;
    o.client_ip = client_ip;
    o.sender = "someone@example.com";
    o.have_sender = true;
    o.timestamp = 1795870590;
    int saved_in = ::dup(0), saved_out = ::dup(1);
    int in_fd = ::open(in.c_str(), O_RDONLY);
    int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(in_fd, 0);
    ::dup2(out_fd, 1);
    ::close(in_fd);
    ::close(out_fd);
    int before = g_throws.load();
    int status = -1;
    try {
      status = run_filter(o);
    } catch (...) {
    }
    int counted = g_throws.load() - before;
    ::dup2(saved_in, 0);
    ::dup2(saved_out, 1);
    ::close(saved_in);
    ::close(saved_out);
    EXPECT_EQ(status, 0);
    std::ifstream read(out, std::ios::binary);
    output.assign(std::istreambuf_iterator<char>(read), {});
    return counted;
  }

  bool signed_by_filter(const std::string& sasl_user, const std::string& client_ip,
                        const std::string& message, int& throws) {
    std::string output;
    throws = throws_running(sasl_user, client_ip, message, output);
    return output.rfind("DKIM-Signature:", 0) == 0;
  }

  std::string dir_, db_;
};

const std::string kBody = "\nHello.\n";
const std::string kFromAlice = "From: Alice <alice@example.com>\nTo: x@example.net\nSubject: hi\n" + kBody;

TEST_F(NoThrow, TheHookCounts) {
  int before = g_throws.load();
  EXPECT_THROW(throw std::runtime_error("counted"), std::runtime_error);
  EXPECT_EQ(g_throws.load(), before + 1);
}

TEST_F(NoThrow, EveryOrdinaryDecision) {
  struct Case {
    const char* name;
    std::string user, ip, message;
    bool signs;
  };
  const Case cases[] = {
      {"signed login", "alice@example.com", "", kFromAlice, true},
      {"unknown bare login", "alice", "", kFromAlice, false},
      {"unknown full login", "bob@example.com", "", kFromAlice, false},
      {"foreign domain", "alice@example.com", "", "From: <alice@example.org>\n" + kBody, false},
      {"no key", "nokey@example.com", "", "From: <nokey@example.com>\n" + kBody, false},
      {"malformed header", "alice@example.com", "", "From: <alice@example.com>\nno colon here\n" + kBody,
       false},
      {"no From", "alice@example.com", "", "To: x@example.net\n" + kBody, false},
      {"unparsable From", "alice@example.com", "", "From: <<<@@@\n" + kBody, false},
      {"IP user", "", "192.0.2.7", kFromAlice, true},
      {"unknown IP", "", "198.51.100.1", kFromAlice, false},
      {"IP as SASL login", "192.0.2.7", "", kFromAlice, false},
  };
  for (const Case& c : cases) {
    int throws = -1;
    EXPECT_EQ(signed_by_filter(c.user, c.ip, c.message, throws), c.signs) << c.name;
    EXPECT_EQ(throws, 0) << c.name;
  }
}

}  // namespace
}  // namespace dkim::app
