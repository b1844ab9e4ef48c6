// Maps METHOD + path pattern ("/rooms/:id/join") to a handler.
// When several patterns match, the one with more literal segments wins, so
// "/rooms/stats" beats "/rooms/:id". Paths are matched as normalize_path()
// leaves them (decoded once, by libsoup); parameters are taken verbatim.
#pragma once

#include <map>
#include <optional>
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

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    int literals = 0;
    Handler handler;
  };
  std::vector<Route> routes_;
};

std::vector<std::string> split_path(const std::string& path);

}  // namespace convene::http
