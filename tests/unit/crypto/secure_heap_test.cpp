// SPDX-License-Identifier: MIT
#include "filter/crypto/secure_heap.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "filter/crypto/key.h"

namespace dkim::crypto {
namespace {

// In a child process (a death test forks): the secure heap is process-wide
// and must not change what the other tests run with.
TEST(SecureHeapDeathTest, PrivateKeyNumbersLiveInTheSecureHeap) {
  EXPECT_EXIT(
      {
        if (enable_secure_heap(1 << 20) == SecureHeap::off) std::_Exit(2);
        std::string rsa = PrivateKey::generate(KeyType::rsa, 1024).to_pem();
        std::string ed = PrivateKey::generate(KeyType::ed25519).to_pem();
        std::size_t before = secure_heap_used();
        {
          auto a = PrivateKey::from_pem(rsa);
          std::size_t with_rsa = secure_heap_used();
          auto b = PrivateKey::from_pem(ed);
          std::size_t with_both = secure_heap_used();
          if (with_rsa <= before) std::_Exit(3);
          if (with_both <= with_rsa) std::_Exit(4);
          // Still usable for signing.
          Sha256Digest d{};
          if (!a.public_key().verify_digest(d, a.sign_digest(d))) std::_Exit(5);
        }
        std::_Exit(secure_heap_used() == before ? 0 : 6);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace dkim::crypto
