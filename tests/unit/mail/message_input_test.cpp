// SPDX-License-Identifier: MIT
#include "filter/mail/message_input.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>

namespace dkim::mail {
namespace {

struct Read {
  std::string header, separator, body;
  bool too_large = false;
};

std::string read_rest(MessageInput& in) {
  std::string body;
  char scratch[7];  // small: the body arrives in many pieces
  for (auto piece = in.read_body(scratch, sizeof scratch); !piece.empty();
       piece = in.read_body(scratch, sizeof scratch))
    body.append(piece);
  return body;
}

// Reads `message` through a pipe whose first read(2) returns exactly the
// first `split` bytes: the writer sends the rest only once the pipe is empty.
Read read_split(const std::string& message, std::size_t split, std::size_t limit = kMaxHeaderSection) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  std::thread writer([&] {
    auto put = [&](std::string_view part) {
      while (!part.empty()) {
        ssize_t n = ::write(fds[1], part.data(), part.size());
        if (n <= 0) return;
        part.remove_prefix(static_cast<std::size_t>(n));
      }
    };
    put(std::string_view(message).substr(0, split));
    int pending = 1;
    while (split > 0 && ::ioctl(fds[1], FIONREAD, &pending) == 0 && pending > 0) sched_yield();
    put(std::string_view(message).substr(split));
    ::close(fds[1]);
  });
  MessageInput in(fds[0]);
  Read r;
  in.read_header_section(limit);
  r.header = std::string(in.header());
  r.separator = std::string(in.separator());
  r.too_large = in.header_too_large();
  r.body = read_rest(in);
  writer.join();
  ::close(fds[0]);
  return r;
}

void expect_every_split(const std::string& message, const std::string& header, const std::string& separator,
                        const std::string& body) {
  for (std::size_t split = 0; split <= message.size(); ++split) {
    Read r = read_split(message, split);
    EXPECT_EQ(r.header, header) << "split at " << split;
    EXPECT_EQ(r.separator, separator) << "split at " << split;
    EXPECT_EQ(r.body, body) << "split at " << split;
    EXPECT_FALSE(r.too_large);
  }
}

TEST(MessageInput, LfMessageSplitAtEveryByte) {
  expect_every_split("From: a@example.com\nSubject: x\n\nbody\n\nmore\n", "From: a@example.com\nSubject: x\n",
                     "\n", "body\n\nmore\n");
}

TEST(MessageInput, CrlfMessageSplitAtEveryByte) {
  expect_every_split("From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n",
                     "From: a@example.com\r\nSubject: x\r\n", "\r\n", "body\r\n");
}

TEST(MessageInput, FoldedHeaderAndEmptyBody) {
  expect_every_split("Subject: a\n b\n\n", "Subject: a\n b\n", "\n", "");
}

TEST(MessageInput, InputEndsInsideTheHeader) {
  // No separator: everything is header, nothing is body.
  expect_every_split("From: a@example.com\nSubject: x", "From: a@example.com\nSubject: x", "", "");
}

TEST(MessageInput, EmptyHeaderSection) { expect_every_split("\nonly a body\n", "", "\n", "only a body\n"); }

TEST(MessageInput, EmptyInput) { expect_every_split("", "", "", ""); }

TEST(MessageInput, BareCrIsNotALineEnd) {
  expect_every_split("A: 1\r\rB: 2\n\nx", "A: 1\r\rB: 2\n", "\n", "x");
}

TEST(MessageInput, HeaderOverTheLimitIsPassedOnAsIs) {
  // The limit is checked between reads: the first read ends past it, with
  // the header section still open.
  std::string message = "A: " + std::string(100, 'x') + "\n\nbody\n";
  Read r = read_split(message, 60, 50);
  EXPECT_TRUE(r.too_large);
  EXPECT_EQ(r.header + r.separator + r.body, message);  // nothing lost, nothing added
}

TEST(MessageInput, RegularFileBodyIsReplayed) {
  std::FILE* in = std::tmpfile();
  std::FILE* out = std::tmpfile();
  ASSERT_TRUE(in && out);
  std::string message = "From: a@example.com\n\nline 1\nline 2\n";
  std::fputs(message.c_str(), in);
  std::fflush(in);
  std::rewind(in);
  MessageInput input(::fileno(in));
  EXPECT_TRUE(input.rereadable());
  input.read_header_section();
  EXPECT_EQ(input.header(), "From: a@example.com\n");
  EXPECT_EQ(read_rest(input), "line 1\nline 2\n");
  input.replay_body(::fileno(out));
  std::rewind(out);
  char buffer[64] = {};
  std::size_t n = std::fread(buffer, 1, sizeof buffer, out);
  EXPECT_EQ(std::string(buffer, n), "line 1\nline 2\n");
  std::fclose(in);
  std::fclose(out);
}

TEST(MessageInput, PipeIsNotRereadable) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  MessageInput input(fds[0]);
  EXPECT_FALSE(input.rereadable());
  ::close(fds[0]);
  ::close(fds[1]);
}

}  // namespace
}  // namespace dkim::mail
