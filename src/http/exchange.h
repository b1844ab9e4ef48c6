// One HTTP request and its response. The server pauses the message before a
// handler runs, so a handler may answer later (after a store query); the
// response goes out when one of the respond methods is called. An exchange
// dropped without an answer replies 500, so no request hangs.
//
// Threads: main loop only.
#pragma once

#include <libsoup/soup.h>

#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "http/trusted_proxies.h"
#include "util/gobject_ptr.h"
#include "util/json.h"

namespace convene::http {

class Server;

class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(Server* server, SoupServerMessage* msg, std::string path, GHashTable* query);
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  // --- The request
  const std::string& method() const { return method_; }
  const std::string& path() const { return path_; }
  // A path parameter from the route pattern (":id" -> param("id")).
  const std::string& param(const std::string& name) const;
  std::optional<std::string> query(const std::string& name) const;
  // A request header, or null.
  const char* header(const char* name) const;
  std::optional<std::string> cookie(const char* name) const;
  std::string_view body() const;
  // The body as a JSON object; throws http::Error(400) when it is not one.
  // An empty body reads as {} so optional-only endpoints need no body.
  JsonObject* json_body();
  // The client's address and whether it reached us over HTTPS: the TCP
  // peer's, or what a trusted reverse proxy says (Server::client_origin).
  const std::string& client_ip() const { return origin_.address; }
  bool is_tls() const { return origin_.https; }
  // Whether a trusted reverse proxy's headers decided the two above.
  bool forwarded() const { return origin_.forwarded; }
  // Names this request in logs and in the X-Request-Id response header: the
  // client's X-Request-Id when it is a sane token (a proxy's), else a new one.
  const std::string& request_id() const { return request_id_; }
  int64_t started_us() const { return started_us_; }
  SoupServerMessage* message() const { return msg_.get(); }

  // Values that filters attach for handlers (e.g. the signed-in user id).
  std::map<std::string, std::string>& attributes() { return attributes_; }

  // --- The response (each sends it; only the first call counts)
  void json(int status, json::Object&& body);
  void json(int status, json::Array&& body);
  void json(int status, JsonNodePtr body);
  void error(int status, const std::string& code, const std::string& message);
  // `body` is sent as it is (no copy: a mapped file stays mapped);
  // `content_type` may be null for an empty body. The request's Range header
  // is not acted on (see byte_range.h).
  void bytes(int status, const char* content_type, GBytes* body);
  // A file's bytes, or the one range the request asks for: 200, 206 with
  // Content-Range, or 416 (an error body and "Content-Range: bytes */size").
  void ranged_bytes(const char* content_type, GBytes* whole);
  void no_content();
  // Answers from an exception: http::Error, json::FieldError, store::Error, other.
  void fail(std::exception_ptr error);

  // Headers set before the answer goes out.
  void add_header(const char* name, const std::string& value);
  void set_cookie(const std::string& set_cookie_value);

  // Lets the message continue without an answer of ours (a WebSocket
  // handshake that libsoup completes).
  void release_unanswered();

  bool responded() const { return responded_; }
  int status() const { return status_; }

  // Wraps a continuation so an exception thrown in it becomes the reply.
  template <class F>
  auto guard(F&& f) {
    return [self = shared_from_this(), f = std::forward<F>(f)](auto&&... args) mutable {
      try {
        f(std::forward<decltype(args)>(args)...);
      } catch (...) {
        self->fail(std::current_exception());
      }
    };
  }

  void set_params(std::map<std::string, std::string> params) { params_ = std::move(params); }

 private:
  void finish(int status);

  Server* server_;
  GObjectPtr<SoupServerMessage> msg_;
  std::string method_;
  std::string path_;
  std::map<std::string, std::string> params_;
  std::map<std::string, std::string> query_;
  std::map<std::string, std::string> attributes_;
  ClientOrigin origin_;
  JsonNodePtr json_body_;
  bool responded_ = false;
  int status_ = 0;
  int64_t started_us_;
  std::string request_id_;
  std::string failure_;  // why a 5xx was answered, for its log line
};

using ExchangePtr = std::shared_ptr<Exchange>;
using Handler = std::function<void(ExchangePtr)>;

}  // namespace convene::http
