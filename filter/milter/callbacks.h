// SPDX-License-Identifier: MIT
// The libmilter side (smfi_register(3) and the xxfi_* callbacks): one
// Session per MTA connection, one Message at a time in it. Every callback
// catches what it calls: nothing unwinds into libmilter's C frames, and an
// unexpected failure defers the message (SMFIS_TEMPFAIL) instead.
#pragma once

#include "filter/milter/key_cache.h"
#include "filter/milter/options.h"

namespace dkim::milter {

/// Registers the callbacks. `options` and `keys` are used by every session
/// thread until smfi_main() returns. Returns false when libmilter refuses.
bool register_callbacks(const Options& options, KeyCache& keys);

}  // namespace dkim::milter
