// SPDX-License-Identifier: MIT
// Placeholder until the keystore lands: database mode is not available yet.
#include "filter/app/plan.h"
#include "filter/dkim/error.h"

namespace dkim::app {

std::unique_ptr<Planner> make_database_planner(const Options&, long long) {
  throw Error(ErrorKind::config, "keystore: database mode is not built into this binary");
}

}  // namespace dkim::app
