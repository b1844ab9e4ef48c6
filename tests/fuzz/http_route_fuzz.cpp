// HTTP routing (src/http/router.*): a request line's method and path
// (normalised as the server does) against the route table every module registered in a real App. The
// input is "METHOD path" (the first space splits them).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_app.h"
#include "http/router.h"
#include "http/path.h"

namespace {

using namespace convene;

// The path as the server hands it to the router and to its rate-limit rules:
// its one normalised spelling; nullopt is a path it refuses (400 bad_path).
std::optional<std::string> routed_path(std::string_view raw) { return http::normalize_path(raw); }

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::app();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const http::Router& router = fuzz::app().http().router();
  // libsoup hands both over as C strings.
  std::string_view input(reinterpret_cast<const char*>(data), strnlen(reinterpret_cast<const char*>(data), size));
  size_t space = input.find(' ');
  if (space == std::string_view::npos) return 0;
  std::string method(input.substr(0, space));
  std::optional<std::string> path = routed_path(input.substr(space + 1));
  if (!path) return 0;
  http::Router::Match m = router.match(method, *path);
  if (m.handler && !m.path_known) __builtin_trap();
  // A route's parameters are whole, decoded path segments: never empty.
  for (const auto& [name, value] : m.params)
    if (name.empty() || value.empty()) __builtin_trap();
  // HEAD is served wherever GET is.
  if (method == "GET" && m.handler && !router.match("HEAD", *path).handler) __builtin_trap();
  http::split_path(*path);
  return 0;
}
