// SPDX-License-Identifier: MIT
#include "filter/dkim/error.h"

namespace dkim {

int exit_code_for(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::usage:
      return exit_code::usage;
    case ErrorKind::config:
      return exit_code::config;
    case ErrorKind::data:
      return exit_code::dataerr;
    case ErrorKind::temporary:
    case ErrorKind::internal:
      return exit_code::tempfail;
  }
  return exit_code::tempfail;
}

}  // namespace dkim
