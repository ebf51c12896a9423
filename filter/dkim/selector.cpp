// SPDX-License-Identifier: MIT
#include "filter/dkim/selector.h"

#include "filter/mail/domain_name.h"

namespace dkim {

std::string selector_problem(std::string_view selector) {
  if (selector.empty()) return "empty selector";
  if (selector.size() > kMaxSelectorLength) return "selector longer than 253 characters";
  std::size_t start = 0;
  while (true) {
    std::size_t dot = selector.find('.', start);
    std::string_view label = selector.substr(start, dot == std::string_view::npos ? dot : dot - start);
    std::string problem = mail::label_problem(label);
    if (!problem.empty()) return "invalid selector '" + std::string(selector) + "': " + problem;
    if (dot == std::string_view::npos) return {};
    start = dot + 1;
  }
}

bool is_valid_selector(std::string_view selector) { return selector_problem(selector).empty(); }

}  // namespace dkim
