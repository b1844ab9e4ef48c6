// Serves the built browser client. Paths that name no file and look like a
// page (no extension) get index.html, so client-side routes like
// /join/abc123 load the app.
#pragma once

#include <string>

#include "http/exchange.h"

namespace convene::http {

class StaticFiles {
 public:
  explicit StaticFiles(std::string root);
  // Answers a GET/HEAD from the root; false when there is nothing to serve.
  bool serve(Exchange& ex) const;
  const std::string& root() const { return root_; }

 private:
  bool send_file(Exchange& ex, const std::string& file) const;
  std::string root_;  // canonical, no trailing slash
};

}  // namespace convene::http
