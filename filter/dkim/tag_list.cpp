// SPDX-License-Identifier: MIT
#include "filter/dkim/tag_list.h"

namespace dkim {
namespace {

// FWS as the tag-list grammar uses it; CR and LF are the folding.
bool is_fws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_fws(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_fws(s.back())) s.remove_suffix(1);
  return s;
}

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// tag-name = ALPHA *ALNUMPUNC; ALNUMPUNC = ALPHA / DIGIT / "_"
bool is_tag_name(std::string_view name) {
  if (name.empty() || !is_alpha(name[0])) return false;
  for (char c : name)
    if (!is_alpha(c) && !is_digit(c) && c != '_') return false;
  return true;
}

std::string without_fws(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value)
    if (!is_fws(c)) out += c;
  return out;
}

}  // namespace

std::vector<TagSpec> split_tag_list(std::string_view list) {
  std::vector<TagSpec> specs;
  for (std::size_t start = 0; start <= list.size();) {
    std::size_t semi = list.find(';', start);
    if (semi == std::string_view::npos) semi = list.size();
    std::string_view raw = list.substr(start, semi - start);
    std::string_view text = trim(raw);
    start = semi + 1;
    if (text.empty()) continue;
    TagSpec spec;
    spec.text = text;
    spec.raw = raw;
    std::size_t eq = text.find('=');
    if (eq != std::string_view::npos) {
      spec.name = trim(text.substr(0, eq));
      spec.value = trim(text.substr(eq + 1));
      spec.valid = is_tag_name(spec.name);
    }
    specs.push_back(spec);
  }
  return specs;
}

std::optional<std::vector<std::pair<std::string, std::string>>> parse_tag_list(std::string_view list,
                                                                               std::string* why) {
  auto invalid = [&](std::string reason) {
    if (why) *why = std::move(reason);
    return std::nullopt;
  };
  std::vector<std::pair<std::string, std::string>> tags;
  for (const TagSpec& spec : split_tag_list(list)) {
    if (!spec.valid) return invalid("'" + std::string(spec.text.substr(0, 20)) + "' is not a tag=value pair");
    for (const auto& tag : tags)
      if (tag.first == spec.name) return invalid("tag " + std::string(spec.name) + "= appears twice");
    tags.emplace_back(std::string(spec.name), std::string(spec.value));
  }
  return tags;
}

std::optional<std::string> find_tag(std::string_view list, std::string_view name) {
  for (const TagSpec& spec : split_tag_list(list))
    if (spec.has_equals() && spec.name == name) return without_fws(spec.value);
  return std::nullopt;
}

SignatureFieldTags parse_signature_field(std::string_view value) {
  SignatureFieldTags tags;
  auto take = [](std::optional<std::string>& slot, const TagSpec& spec) {
    if (!slot) slot = without_fws(spec.value);
  };
  std::optional<std::string> h;
  for (const TagSpec& spec : split_tag_list(value)) {
    if (!spec.has_equals()) continue;
    if (spec.name == "a")
      take(tags.algorithm, spec);
    else if (spec.name == "c")
      take(tags.canon, spec);
    else if (spec.name == "d")
      take(tags.domain, spec);
    else if (spec.name == "s")
      take(tags.selector, spec);
    else if (spec.name == "bh")
      take(tags.body_hash, spec);
    else if (spec.name == "b")
      take(tags.signature, spec);
    else if (spec.name == "h")
      take(h, spec);
  }
  if (h) {
    tags.has_headers = true;
    for (std::size_t start = 0;;) {  // hdr-name *( *FWS ":" *FWS hdr-name ), FWS already gone
      std::size_t colon = h->find(':', start);
      tags.headers.push_back(
          h->substr(start, colon == std::string::npos ? std::string::npos : colon - start));
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
  }
  return tags;
}

}  // namespace dkim
