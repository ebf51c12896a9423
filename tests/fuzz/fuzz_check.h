// SPDX-License-Identifier: MIT
// What every fuzz target shares: a property check that aborts (libFuzzer
// then saves the input as a crash), kept on in every build type — unlike
// assert(), which NDEBUG removes.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <string_view>

#define FUZZ_CHECK(cond, what)                                                                         \
  do {                                                                                                 \
    if (!(cond)) {                                                                                     \
      std::fprintf(stderr, "fuzz property failed: %s (%s:%d: %s)\n", what, __FILE__, __LINE__, #cond); \
      std::abort();                                                                                    \
    }                                                                                                  \
  } while (0)

namespace fuzz {

inline std::string_view as_view(const unsigned char* data, std::size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

}  // namespace fuzz
