// SPDX-License-Identifier: MIT
// db::dns::parse_txt_response on arbitrary bytes: what `dkim-filter-admin
// key check`, `key activate` and `lifecycle run` read from the network
// (RFC 1035 §4.1), through ldns's wire parser. Never reads out of bounds
// (ASan), never throws, and whatever records it returns are made of bytes
// that were in the message, no longer than the message itself.
#include <cstdint>
#include <string>

#include "db/dns/client.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A heap copy of exactly `size` bytes, so any over-read trips ASan.
  std::string copy(reinterpret_cast<const char*>(data), size);
  auto* msg = reinterpret_cast<const unsigned char*>(copy.data());
  dkim::db::dns::TxtAnswer a = dkim::db::dns::parse_txt_response(msg, size);
  using Outcome = dkim::db::dns::TxtAnswer::Outcome;
  FUZZ_CHECK(a.outcome == Outcome::records || a.records.empty(), "records only with Outcome::records");
  FUZZ_CHECK(a.outcome != Outcome::records || !a.records.empty(), "Outcome::records has records");
  FUZZ_CHECK(a.outcome != Outcome::error || !a.error.empty(), "an error says why");
  std::size_t total = 0;
  for (const auto& r : a.records) total += r.size();
  FUZZ_CHECK(total <= size, "records come from the message");
  return 0;
}
