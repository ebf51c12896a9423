// SPDX-License-Identifier: MIT
// RFC 6376 §3.2 tag-lists, the syntax of DKIM-Signature field values
// (§3.5) and of DKIM key records in DNS (§3.6.1):
//   tag-list = tag-spec *( ";" tag-spec ) [ ";" ]
//   tag-spec = [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
// One scanner for every reader: the self-check, rule 6's reading of
// signatures already in a message, `key check`'s reading of DNS records.
// Never throws.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dkim {

/// One non-empty tag-spec as it appears: name and value trimmed of FWS,
/// the value's inner folding intact. `valid` when it has an '=' and its
/// name is ALPHA *ALNUMPUNC.
struct TagSpec {
  std::string_view name;
  std::string_view value;
  bool valid = false;
  std::string_view text;  ///< the whole spec, trimmed, for messages
  std::string_view raw;   ///< the spec between its separators, untrimmed
  bool has_equals() const { return text.find('=') != std::string_view::npos; }
};

/// Every non-empty tag-spec of `list`, in order (empty ones, such as a
/// trailing ';', are allowed by the grammar and skipped).
std::vector<TagSpec> split_tag_list(std::string_view list);

/// A strict reading: (name, value) pairs, values trimmed. nullopt, with
/// `why` set when given, for a spec that is not tag=value and for a tag that
/// appears twice (§3.2: "Tags with duplicate names MUST NOT occur within a
/// single tag-list; if a tag name does occur more than once, the entire tag-
/// list is invalid").
std::optional<std::vector<std::pair<std::string, std::string>>> parse_tag_list(std::string_view list,
                                                                               std::string* why = nullptr);

/// A tolerant reading for lists of unknown origin: the value of the first
/// tag-spec named `name`, all whitespace removed (folding of b=, bh=, h=);
/// nullopt when there is none. Specs that are not tag=value are skipped.
std::optional<std::string> find_tag(std::string_view list, std::string_view name);

/// The tags this program reads back from a DKIM-Signature field value
/// (RFC 6376 §3.5), each as find_tag() reads it: a missing tag is nullopt.
struct SignatureFieldTags {
  std::optional<std::string> algorithm;  ///< a=
  std::optional<std::string> canon;      ///< c= (absent means simple/simple)
  std::optional<std::string> domain;     ///< d=
  std::optional<std::string> selector;   ///< s=
  std::optional<std::string> body_hash;  ///< bh=
  std::optional<std::string> signature;  ///< b=
  /// h=, split at ':' (empty when h= is absent).
  std::vector<std::string> headers;
  bool has_headers = false;  ///< h= present
};

/// Reads the value of a DKIM-Signature field (what follows the colon).
SignatureFieldTags parse_signature_field(std::string_view value);

}  // namespace dkim
