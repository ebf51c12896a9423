// SPDX-License-Identifier: MIT
#include "filter/base/error.h"

namespace dkim {

const ExitCodeInfo* exit_code_info(int code) noexcept {
  for (const ExitCodeInfo& row : kExitCodes)
    if (row.code == code) return &row;
  return nullptr;
}

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

int message_exit_code_for(ErrorKind kind) noexcept {
  return kind == ErrorKind::config ? exit_code::tempfail : exit_code_for(kind);
}

}  // namespace dkim
