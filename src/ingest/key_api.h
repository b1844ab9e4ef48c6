// The REST API of ingest keys (issue #17), host only:
//   POST   /rooms/:id/ingest-keys {name}   → 201 {id, name, key, whipUrl, srtUrl, createdAt}
//   GET    /rooms/:id/ingest-keys          → [{id, name, createdBy, createdAt}] (never a key)
//   DELETE /rooms/:id/ingest-keys/:keyId   → 204; a publisher using it is not cut off
//                                             (the key only gets it in)
//
// Threads: main loop; SQL through Store::run.
#pragma once

#include <functional>
#include <string>

#include "auth/authenticator.h"
#include "http/server.h"
#include "store/store.h"

namespace convene::ingest {

class KeyApi {
 public:
  struct Urls {
    // The server's public base URL as this request sees it (no trailing slash).
    std::function<std::string(const http::Exchange&)> public_url;
    // The SRT listener as "srt://host:port", "" when SRT ingest is off.
    std::string srt_base;
  };
  KeyApi(http::Server& http, store::Store& store, const auth::Authenticator& authenticator, Urls urls);

 private:
  void create(http::ExchangePtr ex);
  void list(http::ExchangePtr ex);
  void revoke(http::ExchangePtr ex);

  store::Store& store_;
  const auth::Authenticator& authenticator_;
  Urls urls_;
};

}  // namespace convene::ingest
