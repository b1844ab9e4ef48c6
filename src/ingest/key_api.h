// The REST API of ingest keys (issue #17), host only:
//   POST   /rooms/:id/ingest-keys {name}   → 201 {id, name, key, whipUrl, srtUrl, createdAt}
//   GET    /rooms/:id/ingest-keys          → [{id, name, createdBy, createdAt}] (never a key)
//   DELETE /rooms/:id/ingest-keys/:keyId   → 204; the WHIP and SRT sessions
//                                             publishing with it end (Urls::revoked)
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
    // The SRT listener's port, 0 when SRT ingest is off. srtUrl names the
    // host of public_url: the one clients reach this server by.
    int srt_port = 0;
    // A key was revoked (after the store deleted it): who publishes with it stops.
    std::function<void(const std::string& room_id, const std::string& key_id)> revoked;
  };
  KeyApi(http::Server& http, store::Store& store, const auth::Authenticator& authenticator, Urls urls);

 private:
  void create(http::ExchangePtr ex);
  void list(http::ExchangePtr ex);
  void revoke(http::ExchangePtr ex);
  // srt://host:port?streamid=... for a new key ("" when SRT ingest is off).
  std::string srt_url(const std::string& public_url, const std::string& room_id, const std::string& secret) const;

  store::Store& store_;
  const auth::Authenticator& authenticator_;
  Urls urls_;
};

}  // namespace convene::ingest
