#include "http/router.h"

namespace convene::http {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

void Router::add(const std::string& method, const std::string& pattern, Handler handler) {
  Route r{method, pattern, split_path(pattern), 0, std::move(handler)};
  for (const auto& s : r.segments)
    if (s.empty() || s[0] != ':') ++r.literals;
  if (!r.segments.empty() && r.segments[0][0] != ':') prefixes_.insert(r.segments[0]);
  routes_.push_back(std::move(r));
}

bool Router::in_api_namespace(const std::string& path) const {
  size_t start = path.find_first_not_of('/');
  if (start == std::string::npos) return false;
  size_t end = path.find('/', start);
  return prefixes_.count(path.substr(start, end == std::string::npos ? std::string::npos : end - start)) > 0;
}

Router::Match Router::match(const std::string& method, const std::string& path) const {
  std::vector<std::string> segs = split_path(path);
  Match best;
  int best_literals = -1;
  for (const Route& r : routes_) {
    if (r.segments.size() != segs.size()) continue;
    std::map<std::string, std::string> params;
    bool ok = true;
    for (size_t i = 0; i < segs.size() && ok; ++i) {
      const std::string& p = r.segments[i];
      if (!p.empty() && p[0] == ':') {
        params[p.substr(1)] = segs[i];  // already decoded once, by libsoup (see path.h)
      } else if (p != segs[i]) {
        ok = false;
      }
    }
    if (!ok) continue;
    best.path_known = true;
    bool method_ok = r.method == method || (method == "HEAD" && r.method == "GET");
    if (method_ok && r.literals > best_literals) {
      best_literals = r.literals;
      best.handler = &r.handler;
      best.params = std::move(params);
      best.pattern = r.pattern;
    }
  }
  return best;
}

}  // namespace convene::http
