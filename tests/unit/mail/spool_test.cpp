// SPDX-License-Identifier: MIT
#include "filter/mail/spool.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

namespace dkim::mail {
namespace {

std::string read_from(int fd) {
  std::string out;
  char buf[65536];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

// The file handed to sendmail: prepended bytes, then everything written,
// read from the file's current offset, whether it stayed in memory (a
// memfd), went to the spool file, or the prepended bytes overflowed the room.
TEST(Spool, FileHoldsPrependedThenWritten) {
  for (std::size_t limit : {std::size_t{1} << 20, std::size_t{100}}) {
    for (std::size_t room : {std::size_t{0}, std::size_t{16}, std::size_t{4096}}) {
      for (std::size_t front : {std::size_t{0}, std::size_t{10}, std::size_t{200}}) {
        Spool spool(::testing::TempDir(), limit, room);
        std::string data;
        for (int i = 0; i < 50; ++i) {
          std::string chunk = "line " + std::to_string(i) + "\n";
          spool.write(chunk);
          data += chunk;
        }
        std::string fields(front, 'F');
        spool.prepend(fields);
        int fd = spool.file();
        struct stat st;
        ASSERT_EQ(::fstat(fd, &st), 0);
        EXPECT_TRUE(S_ISREG(st.st_mode));
        EXPECT_EQ(read_from(fd), fields + data) << limit << " " << room << " " << front;
        EXPECT_EQ(read_from(spool.file()), fields + data);  // file() rewinds
        EXPECT_EQ(spool.size(), data.size());
      }
    }
  }
}

}  // namespace
}  // namespace dkim::mail
