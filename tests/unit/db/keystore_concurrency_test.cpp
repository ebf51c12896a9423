// SPDX-License-Identifier: MIT
// A filter reading while an administrator rewrites: readers see either
// the old or the new committed state, never a half-written one, and a busy
// database never surfaces as a wrong answer.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "db/keystore.h"
#include "filter/base/error.h"

namespace dkim::db {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

policy::UserRecord state_user(bool x) {
  policy::UserRecord u;
  u.name = "alice@example.com";
  u.kind = policy::UserKind::login;
  u.domain = "example.com";
  u.selectors = x ? std::vector<std::string>{"x1", "x2"} : std::vector<std::string>{"y1"};
  u.any_domain = !x;
  return u;
}

KeyRecord state_key(bool x) {
  KeyRecord k;
  k.domain = "example.com";
  k.selector = "s1";
  k.type = x ? crypto::KeyType::rsa : crypto::KeyType::ed25519;
  k.bits = x ? 2048 : 256;
  k.private_pem = std::string(x ? 3000 : 200, x ? 'X' : 'Y');  // sizes differ: a torn row would show
  return k;
}

// The writer process: rewrites the user and the key, plus churn that grows
// the journal and spills pages, until the deadline. Exit status 0 = ok.
[[noreturn]] void writer_loop(const std::string& path, Clock::time_point until) {
  try {
    auto store = KeyStore::open_writer(path);
    for (int i = 0; Clock::now() < until; ++i) {
      bool x = i % 2 == 0;
      store.transaction([&] {
        store.delete_key("example.com", "s1");
        store.add_key(state_key(x));
        store.put_user(state_user(x), -1, true);
        for (int j = 0; j < 20; ++j) {
          std::string d = "churn" + std::to_string(j) + ".example";
          store.delete_key(d, "s1");
          auto k = state_key(x);
          k.domain = d;
          store.add_key(k);
        }
      });
    }
    std::_Exit(0);
  } catch (...) {
    std::_Exit(3);
  }
}

TEST(KeyStoreConcurrency, ReaderSeesWholeStatesWhileWriterLoops) {
  std::string tmpl = (fs::temp_directory_path() / "keystore-conc-XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  std::string path = tmpl + "/dkim.db";
  {
    auto store = KeyStore::create(path);
    store.transaction([&] {
      store.add_key(state_key(true));
      store.put_user(state_user(true), -1, false);
    });
  }
  auto until = Clock::now() + std::chrono::seconds(3);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) writer_loop(path, until);

  int reads = 0, x_seen = 0, y_seen = 0;
  std::string failure;
  while (Clock::now() < until + std::chrono::milliseconds(200) && failure.empty()) {
    try {
      auto r = KeyStore::open_reader(path);  // the filter opens once per message
      auto u = r.user_by_login("alice@example.com");
      auto k = r.find_key("example.com", "s1");
      if (!u || !k) {
        failure = "user or key missing mid-rewrite";
        break;
      }
      bool ux = u->selectors == state_user(true).selectors && !u->any_domain;
      bool uy = u->selectors == state_user(false).selectors && u->any_domain;
      bool kx =
          k->private_pem == state_key(true).private_pem && k->type == crypto::KeyType::rsa && k->bits == 2048;
      bool ky = k->private_pem == state_key(false).private_pem && k->type == crypto::KeyType::ed25519 &&
                k->bits == 256;
      if (!(ux || uy) || !(kx || ky)) failure = "torn record";
      x_seen += kx;
      y_seen += ky;
      ++reads;
    } catch (const Error& e) {
      failure = std::string("reader error: ") + e.what();
    }
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  fs::remove_all(tmpl);
  EXPECT_EQ(failure, "");
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "writer failed";
  EXPECT_GT(reads, 100);
  EXPECT_GT(x_seen, 0);  // both states observed: the writer really ran concurrently
  EXPECT_GT(y_seen, 0);
}

}  // namespace
}  // namespace dkim::db
