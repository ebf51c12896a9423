// SPDX-License-Identifier: MIT
#include "filter/crypto/sha256_pipeline.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "filter/crypto/base64.h"
#include "filter/dkim/canonicalize.h"
#include "filter/dkim/signer.h"

namespace dkim::crypto {
namespace {

std::string hex(const Sha256Digest& d) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : d) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

// Feeds `data` in pieces whose sizes are drawn from `rng`, from single bytes
// to several of the pipeline's 256 KB blocks.
Sha256Digest hash_in_pieces(Sha256Pipeline& h, const std::string& data, std::mt19937& rng) {
  std::size_t sizes[] = {1, 7, 4096, 65536, 262143, 262144, 262145, 700000};
  std::size_t pos = 0;
  while (pos < data.size()) {
    std::size_t n = std::min(sizes[rng() % 8], data.size() - pos);
    h.update(data.data() + pos, n);
    pos += n;
  }
  return h.finish();
}

TEST(Sha256Pipeline, NistMillionAsHashedOnTheThread) {
  // FIPS 180-2 appendix B.3: one million repetitions of 'a'.
  const std::string a(1000000, 'a');
  Sha256Pipeline h(1000);
  for (std::size_t i = 0; i < a.size(); i += 1000) h.update(a.data() + i, 1000);
  EXPECT_TRUE(h.threaded());
  EXPECT_EQ(hex(h.finish()), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Pipeline, SameDigestInlineAndThreadedForAnySplit) {
  std::mt19937 rng(42);
  for (std::size_t size : {0u, 1u, 63u, 64u, 65u, 262144u, 1048576u, 3000001u}) {
    std::string data = random_bytes(size, static_cast<unsigned>(size));
    std::string want = hex(sha256(data));
    for (std::size_t threshold :
         {std::size_t{0}, std::size_t{1}, std::size_t{100000}, std::size_t{1} << 40}) {
      Sha256Pipeline h(threshold);
      EXPECT_EQ(hex(hash_in_pieces(h, data, rng)), want) << "size " << size << " threshold " << threshold;
      EXPECT_EQ(h.threaded(), size > threshold) << "size " << size << " threshold " << threshold;
    }
  }
}

TEST(Sha256Pipeline, DefaultKeepsSmallMessagesOnOneThread) {
  Sha256Pipeline h;
  std::string data = random_bytes(Sha256Pipeline::kDefaultThreshold, 7);
  h.update(data);
  EXPECT_FALSE(h.threaded());
  h.update("x", 1);
  EXPECT_TRUE(h.threaded());
  data += 'x';
  EXPECT_EQ(hex(h.finish()), hex(sha256(data)));
}

TEST(Sha256Pipeline, DestroyedMidStreamJoinsItsThread) {
  // An exception part-way through a message destroys the hash unfinished:
  // the thread must end (no hang, no leak under the sanitizers).
  std::string data = random_bytes(2 << 20, 9);
  for (int i = 0; i < 20; ++i) {
    Sha256Pipeline h(0);
    h.update(data);
    EXPECT_TRUE(h.threaded());
  }
}

TEST(BodyHasherThreaded, SameBodyHashAsOneThread) {
  // A text body with everything relaxed rewrites, large enough for several
  // blocks, fed in uneven chunks: threaded and inline both give the hash of
  // the one-call canonicalization.
  std::mt19937 rng(5);
  const char* pieces[] = {"word", " ", "  ", "\t", " \t ", "\n", "\r\n", "\n\n", "x", "\r"};
  std::string body;
  while (body.size() < (3 << 20)) body += pieces[rng() % 10];
  body += "\n\n\n";
  for (Canon canon : {Canon::simple, Canon::relaxed}) {
    Sha256Digest digest = sha256(canonicalize_body(canon, body));
    std::string want =
        base64_encode(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
    BodyHasher threaded(canon, 0), inline_only(canon, std::size_t{1} << 40);
    std::size_t pos = 0;
    while (pos < body.size()) {
      std::size_t n = std::min<std::size_t>(1 + rng() % 300000, body.size() - pos);
      threaded.update(body.data() + pos, n);
      inline_only.update(body.data() + pos, n);
      pos += n;
    }
    EXPECT_EQ(threaded.finish(), want);
    EXPECT_EQ(inline_only.finish(), want);
  }
}

}  // namespace
}  // namespace dkim::crypto
