// Maps METHOD + path pattern ("/rooms/:id/join") to a handler.
// When several patterns match, the one with more literal segments wins, so
// "/rooms/stats" beats "/rooms/:id". Paths are matched as normalize_path()
// leaves them (decoded once, by libsoup); parameters are taken verbatim.
//
// The API's namespace is what the routes make it: the first literal segment of
// every pattern ("/rooms/:id/join" -> "rooms") is an API prefix, under which an
// unknown path is a JSON 404, never the web client's page.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "http/exchange.h"

namespace convene::http {

class Router {
 public:
  void add(const std::string& method, const std::string& pattern, Handler handler);

  struct Match {
    const Handler* handler = nullptr;
    std::map<std::string, std::string> params;
    bool path_known = false;  // some route has this path, maybe under another method
    std::string pattern;      // the matched route's pattern ("/rooms/:id"), for metrics
  };
  Match match(const std::string& method, const std::string& path) const;

  // Claims a first path segment for the API without a route of the Router's
  // own (a WebSocket endpoint).
  void reserve_prefix(const std::string& segment) { prefixes_.insert(segment); }
  // Whether `path` lies under an API prefix ("/rooms/x/no-such" does; "/room/x", a page, does not).
  bool in_api_namespace(const std::string& path) const;
  const std::set<std::string>& api_prefixes() const { return prefixes_; }

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    int literals = 0;
    Handler handler;
  };
  std::vector<Route> routes_;
  std::set<std::string> prefixes_;
};

std::vector<std::string> split_path(const std::string& path);

}  // namespace convene::http
