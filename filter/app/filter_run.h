// SPDX-License-Identifier: MIT
#pragma once
#include "filter/app/options.h"

namespace dkim::app {

/// Runs one message from stdin to stdout or sendmail: read the header
/// section, decide, stream the body through the hashes into the spool, sign,
/// self-check, write. Returns the exit status; throws dkim::Error for
/// failures that main() maps to sysexits.
int run_filter(const Options& options);

}  // namespace dkim::app
