// SPDX-License-Identifier: MIT
// dkim-filter: signs one message per process (dkim-filter(8)). main() only maps
// outcomes to sysexits; the work is in filter_run.
#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <exception>
#include <string>

#include "filter/app/filter_run.h"
#include "filter/app/options.h"
#include "filter/base/error.h"
#include "filter/crypto/key.h"

namespace {

void say(const std::string& line) {
  std::string text = "dkim-filter: " + line + "\n";
  (void)!::write(2, text.data(), text.size());
}

}  // namespace

int main(int argc, char** argv) {
  // Private keys live in this process: no core dumps, no ptrace by others.
  ::prctl(PR_SET_DUMPABLE, 0);
  // Write errors must come back as EPIPE / EFBIG, not kill us mid-message.
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGXFSZ, SIG_IGN);
  dkim::crypto::initialize();
  try {
    auto options = dkim::app::parse_options(argc, argv);
    if (!options) return dkim::exit_code::ok;
    dkim::app::validate_options(*options);
    return dkim::app::run_filter(*options);
  } catch (const dkim::Error& e) {
    say(e.what());
    return dkim::message_exit_code_for(e.kind());
  } catch (const std::bad_alloc&) {
    say("out of memory");
    return dkim::exit_code::tempfail;
  } catch (const std::exception& e) {
    say(std::string("internal error: ") + e.what());
    return dkim::exit_code::tempfail;
  }
}
