// SPDX-License-Identifier: MIT
// RFC 6376 §3.4: the "simple" and "relaxed" canonicalization algorithms,
// working on raw bytes. Line ends in the input may be CRLF or bare LF (the
// MTAs hand us LF); both are canonicalized to CRLF, as they are on the wire.
#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace dkim {

enum class Canon { simple, relaxed };

/// The c= tag: header and body algorithm.
struct Canonicalization {
  Canon header = Canon::relaxed;
  Canon body = Canon::relaxed;
};

/// Parses a c= value: "relaxed/relaxed", "simple/relaxed", or one word
/// (RFC 6376 §3.5: a missing body part means "simple"). Case-insensitive.
std::optional<Canonicalization> parse_canonicalization(std::string_view text);
/// "relaxed/simple" etc.
std::string canonicalization_name(Canonicalization c);

/// RFC 6376 §3.4.1 / §3.4.2: appends the canonical form of one header field
/// (its raw bytes, name through final line end, folding intact) to `out`,
/// ending in CRLF.
void canonicalize_header(Canon canon, std::string_view raw_field, std::string& out);

/// RFC 6376 §3.4.3 / §3.4.4 as a streaming canonicalizer: feed the body in
/// chunks of any size, then finish(). State that straddles chunks — a CR
/// waiting for its LF, a run of whitespace, a run of empty lines that may
/// turn out to be trailing — is carried across calls, so the output does not
/// depend on how the body was split.
class BodyCanonicalizer {
 public:
  using Sink = std::function<void(std::string_view)>;
  BodyCanonicalizer(Canon canon, Sink sink);

  void update(const char* data, std::size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  void finish();

 private:
  // The hot loops write through a raw pointer into buffer_; room for a
  // block's worst case (every byte doubled) is made before each block.
  void simple_block(const char* p, const char* end);
  void relaxed_block(const char* p, const char* end);
  void release_empty_lines();
  char* begin_content(char* o, bool& has_content, bool& space);
  void reserve(std::size_t bytes);
  void flush();

  Canon canon_;
  Sink sink_;
  bool pending_cr_ = false;        // a CR ended the last chunk, its LF not yet seen
  bool pending_space_ = false;     // relaxed: whitespace run not yet written
  bool line_has_content_ = false;  // current line has written bytes
  bool any_content_ = false;       // any non-empty line seen at all
  std::size_t empty_lines_ = 0;    // withheld line ends (maybe trailing)
  std::unique_ptr<char[]> buffer_;
  char* out_;  // next free byte in buffer_
};

/// Canonicalizes a whole body in one call (tests, fuzzing reference).
std::string canonicalize_body(Canon canon, std::string_view body);

}  // namespace dkim
