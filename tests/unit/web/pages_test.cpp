// SPDX-License-Identifier: MIT
#include "web/pages.h"

#include <gtest/gtest.h>

namespace dkim::web {
namespace {

Request request(const std::string& method, const std::string& target) {
  Request r;
  r.method = method;
  r.target = target;
  return r;
}

// What the server runs on its workers (key generation, DNS waits and
// updates), and what
// it keeps on the I/O thread (everything else).
TEST(PagesSlow, GenerationAndDnsWaitsOnly) {
  for (const auto& [method, target] :
       std::vector<std::pair<std::string, std::string>>{{"POST", "/api/v1/keys"},
                                                        {"POST", "/api/v1/keys/example.com/s1/rotate"},
                                                        {"POST", "/api/v1/keys/example.com/s1/activate"},
                                                        {"POST", "/api/v1/keys/example.com/s1/revoke"},
                                                        {"DELETE", "/api/v1/keys/example.com/s1"},
                                                        {"GET", "/api/v1/keys/example.com/s1/check"},
                                                        {"POST", "/dkim/generate"},
                                                        {"POST", "/dkim/check"},
                                                        {"POST", "/dkim/rotate"},
                                                        {"POST", "/dkim/activate"}})
    EXPECT_TRUE(Pages::slow(request(method, target))) << method << " " << target;
  for (const auto& [method, target] :
       std::vector<std::pair<std::string, std::string>>{{"GET", "/api/v1/keys"},
                                                        {"POST", "/api/v1/keys/import"},
                                                        {"GET", "/api/v1/keys/example.com/s1"},
                                                        {"GET", "/api/v1/keys/example.com/s1/dns"},
                                                        {"GET", "/dkim"},
                                                        {"POST", "/users/set"},
                                                        {"POST", "/login"},
                                                        {"GET", "not-origin-form"}})
    EXPECT_FALSE(Pages::slow(request(method, target))) << method << " " << target;
}

TEST(PagesBusy, JsonForTheApiAPageForThePanel) {
  Response api = Pages::busy(request("POST", "/api/v1/keys"));
  EXPECT_EQ(api.status, 503);
  EXPECT_EQ(api.content_type.rfind("application/json", 0), 0u) << api.content_type;
  Response page = Pages::busy(request("POST", "/dkim/generate"));
  EXPECT_EQ(page.status, 503);
  EXPECT_EQ(page.content_type.rfind("text/html", 0), 0u) << page.content_type;
  EXPECT_NE(page.body.find("busy generating keys"), std::string::npos);
}

}  // namespace
}  // namespace dkim::web
