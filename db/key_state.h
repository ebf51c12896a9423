// SPDX-License-Identifier: MIT
// A key's place in its lifecycle (dkim-filter-admin(8) "KEY LIFECYCLE"):
// pending -> active -> retired -> revoked -> deleted. Only an active key
// signs; a retired key's record stays published so that mail in transit
// still verifies; a revoked key is published with an empty p= (RFC 6376
// §3.6.1: "An empty value means that this public key has been revoked").
#pragma once
#include <optional>
#include <string_view>

namespace dkim::db {

enum class KeyState { pending, active, retired, revoked };

/// "pending", "active", "retired", "revoked": the database's spelling.
std::string_view key_state_name(KeyState state);
std::optional<KeyState> parse_key_state(std::string_view text);

}  // namespace dkim::db
