#include "http/path.h"

namespace convene::http {

std::optional<std::string> normalize_path(std::string_view raw) {
  if (raw.empty() || raw.front() != '/') return std::nullopt;
  if (raw.find('\0') != std::string_view::npos) return std::nullopt;
  std::string out;
  out.reserve(raw.size());
  size_t i = 0;
  while (i < raw.size()) {
    while (i < raw.size() && raw[i] == '/') ++i;
    size_t end = raw.find('/', i);
    if (end == std::string_view::npos) end = raw.size();
    std::string_view segment = raw.substr(i, end - i);
    i = end;
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") return std::nullopt;  // climbing is never a route
    out.push_back('/');
    out.append(segment.data(), segment.size());
  }
  if (out.empty()) out.push_back('/');
  return out;
}

}  // namespace convene::http
