// SPDX-License-Identifier: MIT
// One configuration file serves every program (dkim-filter(8), "FILES"):
// each accepts the options the others read from it and uses its own. These
// are dkim-filter-web(8)'s, for the programs that do not use them.
#pragma once

namespace dkim {

inline constexpr const char* kWebConfigOptions[] = {
    "listen", "tls-cert", "tls-key", "nameserver", "max-body", "max-connections", "connection-timeout"};

}  // namespace dkim
