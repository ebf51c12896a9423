// SPDX-License-Identifier: MIT
#include "db/key_state.h"

namespace dkim::db {

namespace {
constexpr std::string_view kNames[] = {"pending", "active", "retired", "revoked"};
}

std::string_view key_state_name(KeyState state) { return kNames[static_cast<int>(state)]; }

std::optional<KeyState> parse_key_state(std::string_view text) {
  for (int i = 0; i < 4; ++i)
    if (kNames[i] == text) return static_cast<KeyState>(i);
  return std::nullopt;
}

}  // namespace dkim::db
