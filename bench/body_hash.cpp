// SPDX-License-Identifier: MIT
// Body canonicalization + hashing throughput, in one process, without
// process start, reading or output: the figure behind "relaxed at least
// 1 GB/s". For each message file given: the body is held in memory and fed
// to dkim::BodyHasher in 256 KB chunks (as the filter reads it), simple and
// relaxed, with the hashing thread (the filter's default for bodies over
// 1 MB) and without, against plain SHA-256 of the same bytes (the ceiling
// on one core). Best of RUNS, because the machine is shared and noisy.
//   body_hash [--runs N] MESSAGE...
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "filter/crypto/sha256.h"
#include "filter/dkim/signer.h"

namespace {

constexpr std::size_t kChunk = 256 * 1024;

double best_gbps(const std::string& body, int runs, const std::function<void()>& once) {
  double best = 0;
  for (int i = 0; i < runs; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    once();
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, static_cast<double>(body.size()) / s / 1e9);
  }
  return best;
}

double body_hasher(const std::string& body, dkim::Canon canon, bool threaded, int runs) {
  return best_gbps(body, runs, [&] {
    dkim::BodyHasher h(canon, threaded ? dkim::crypto::Sha256Pipeline::kDefaultThreshold : SIZE_MAX);
    for (std::size_t o = 0; o < body.size(); o += kChunk) h.update(std::string_view(body).substr(o, kChunk));
    if (h.finish().empty()) std::abort();
  });
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 5, first = 1;
  if (argc > 2 && std::strcmp(argv[1], "--runs") == 0) runs = std::atoi(argv[2]), first = 3;
  if (first >= argc) {
    std::fprintf(stderr, "usage: body_hash [--runs N] MESSAGE...\n");
    return 2;
  }
  std::printf(
      "| message | body | SHA-256 alone | simple | relaxed | simple, 1 thread | relaxed, 1 thread |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  for (int i = first; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string message = ss.str();
    auto sep = message.find("\n\n");
    if (sep == std::string::npos) {
      std::fprintf(stderr, "body_hash: %s has no body\n", argv[i]);
      return 2;
    }
    std::string body = message.substr(sep + 2);
    double sha = best_gbps(body, runs, [&] {
      dkim::crypto::Sha256 h;
      for (std::size_t o = 0; o < body.size(); o += kChunk)
        h.update(std::string_view(body).substr(o, kChunk));
      h.finish();
    });
    auto cell = [&](double gbps) {
      static char buf[64];
      std::snprintf(buf, sizeof buf, "%.2f GB/s (%.2f×)", gbps, gbps / sha);
      return std::string(buf);
    };
    std::string name = argv[i];
    name = name.substr(name.find_last_of('/') + 1);
    std::printf("| %s | %.1f MB | %.2f GB/s | %s | %s | %s | %s |\n", name.c_str(), body.size() / 1e6, sha,
                cell(body_hasher(body, dkim::Canon::simple, true, runs)).c_str(),
                cell(body_hasher(body, dkim::Canon::relaxed, true, runs)).c_str(),
                cell(body_hasher(body, dkim::Canon::simple, false, runs)).c_str(),
                cell(body_hasher(body, dkim::Canon::relaxed, false, runs)).c_str());
  }
  std::printf(
      "(ratios: to SHA-256 alone over the same bytes on one core, the ceiling for one hash stream)\n");
  return 0;
}
