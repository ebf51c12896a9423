// SPDX-License-Identifier: MIT
#include "filter/dkim/signature.h"

namespace dkim {
namespace {

// Lays tokens out on lines of at most kMaxLineLength, folding with
// eol + one space (RFC 5322 FWS) between tokens.
class FoldedWriter {
 public:
  FoldedWriter(std::string_view eol) : eol_(eol) {}

  /// A token preceded by a space (or a fold when it does not fit).
  void word(std::string_view token) { place(token, true); }
  /// A token glued to the previous one unless it must go to a new line.
  void glued(std::string_view token) { place(token, false); }
  /// Text that may be split anywhere (a base64 value).
  void breakable(std::string_view text) {
    while (!text.empty()) {
      if (column_ >= kMaxLineLength) fold();
      std::size_t room = kMaxLineLength - column_;
      std::string_view piece = text.substr(0, room);
      out_ += piece;
      column_ += piece.size();
      text.remove_prefix(piece.size());
    }
  }
  void start(std::string_view text) {
    out_ += text;
    column_ = text.size();
  }
  std::string finish() {
    out_ += eol_;
    return std::move(out_);
  }
  std::size_t column() const { return column_; }

 private:
  void fold() {
    out_ += eol_;
    out_ += ' ';
    column_ = 1;
  }
  void place(std::string_view token, bool spaced) {
    std::size_t need = token.size() + (spaced ? 1 : 0);
    if (column_ + need > kMaxLineLength && column_ > 1) {
      fold();
    } else if (spaced) {
      out_ += ' ';
      ++column_;
    }
    out_ += token;
    column_ += token.size();
  }

  std::string_view eol_;
  std::string out_;
  std::size_t column_ = 0;
};

}  // namespace

std::string write_signature_field(const SignatureTags& tags, std::string_view b, std::string_view eol) {
  FoldedWriter w(eol);
  w.start(std::string(kSignatureFieldName) + ":");
  w.word("v=1;");
  w.word("a=" + tags.algorithm + ";");
  w.word("c=" + canonicalization_name(tags.canon) + ";");
  w.word("d=" + tags.domain + ";");
  w.word("s=" + tags.selector + ";");
  w.word("t=" + std::to_string(tags.timestamp) + ";");
  if (tags.expiry) w.word("x=" + std::to_string(*tags.expiry) + ";");
  for (std::size_t i = 0; i < tags.headers.size(); ++i) {
    std::string piece = (i == 0 ? "h=" : "") + tags.headers[i] + (i + 1 == tags.headers.size() ? ";" : ":");
    if (i == 0)
      w.word(piece);
    else
      w.glued(piece);
  }
  w.word("bh=" + tags.body_hash + ";");
  w.word("b=");
  w.breakable(b);
  return w.finish();
}

}  // namespace dkim
