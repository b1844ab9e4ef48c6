// A blocking HTTP client for integration tests, over libsoup's SoupSession.
// Keeps cookies between calls like a browser would.
#pragma once

#include <libsoup/soup.h>

#include <map>
#include <string>
#include <vector>

#include "util/gobject_ptr.h"
#include "util/json.h"

namespace convene::testing {

struct Response {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names, last value wins
  std::vector<std::string> set_cookies;
  // The body parsed as JSON (null node when it is not JSON).
  JsonNodePtr json() const;
  // Convenience: a member of the top-level object as string/int ("" / -1 when absent).
  std::string str(const char* member) const;
  // {"error":{"code":...}} -> code
  std::string error_code() const;
};

class HttpClient {
 public:
  explicit HttpClient(std::string base_url);
  Response request(const std::string& method, const std::string& path, const std::string& body = "",
                   const std::map<std::string, std::string>& headers = {});
  Response get(const std::string& path, const std::map<std::string, std::string>& headers = {}) {
    return request("GET", path, "", headers);
  }
  Response post(const std::string& path, const std::string& json_body = "{}",
                const std::map<std::string, std::string>& headers = {}) {
    return request("POST", path, json_body, headers);
  }
  Response del(const std::string& path) { return request("DELETE", path); }

  // Registers (with captcha off) and remembers the access token as Bearer.
  // Returns the user object's id.
  std::string register_user(const std::string& username, const std::string& password = "correct-horse-1");
  const std::string& token() const { return token_; }
  void set_token(std::string token) { token_ = std::move(token); }
  const std::string& base_url() const { return base_url_; }
  SoupSession* session() const { return session_.get(); }
  // Return 3xx answers as they are (to test redirects) instead of following them.
  void set_follow_redirects(bool follow) { follow_redirects_ = follow; }
  // Accept any TLS certificate (tests with a self-signed one).
  void set_accept_any_certificate(bool accept) { accept_any_certificate_ = accept; }
  // Sends exactly these cookies instead of the jar's (replays, theft).
  std::string cookie_value(const std::string& name) const;

 private:
  std::string base_url_;
  GObjectPtr<SoupSession> session_;
  std::string token_;
  bool follow_redirects_ = true;
  bool accept_any_certificate_ = false;
};

}  // namespace convene::testing
