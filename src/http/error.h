// The one error shape of the API: HTTP status + {"error":{"code","message"}}.
// Handlers throw http::Error; the server turns it (and json::FieldError and
// store::Error) into that reply.
#pragma once

#include <stdexcept>
#include <string>

namespace convene::http {

struct Error : std::runtime_error {
  Error(int http_status, std::string error_code, const std::string& message)
      : std::runtime_error(message), status(http_status), code(std::move(error_code)) {}
  int status;
  std::string code;
};

inline Error bad_request(const std::string& message) { return Error(400, "bad_request", message); }
inline Error unauthorized(const std::string& message = "sign in first") {
  return Error(401, "unauthorized", message);
}
inline Error forbidden(const std::string& message) { return Error(403, "forbidden", message); }
inline Error not_found(const std::string& message) { return Error(404, "not_found", message); }
inline Error conflict(const std::string& code, const std::string& message) {
  return Error(409, code, message);
}

}  // namespace convene::http
