// HTTP routing (src/http/router.*): a request line's method and path
// against the route table every module registered in a real App. The
// input is "METHOD path" (the first space splits them).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_app.h"
#include "http/router.h"
#if __has_include("http/path.h")
#include "http/path.h"  // normalize_path: the server's one spelling of a path
#endif

namespace {

using namespace convene;

// The path as the server hands it to the router (and to its rate-limit
// rules). Once the server normalises paths, this is
// `return http::normalize_path(raw);`; nullopt is a path it refuses.
std::optional<std::string> routed_path(std::string_view raw) { return std::string(raw); }

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
