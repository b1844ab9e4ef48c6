// A WebSocket test client over libsoup. Every client of a test shares the
// thread's default main context; next()/wait_for() iterate it until a message
// for this client arrives, so many clients can run in one test thread.
#pragma once

#include <libsoup/soup.h>

#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "util/gobject_ptr.h"
#include "util/json.h"

namespace convene::testing {

class WsClient {
 public:
  // Opens base_url/ws?token=...; on refusal returns null and sets *http_status.
  static std::unique_ptr<WsClient> connect(const std::string& base_url, const std::string& token,
                                           int* http_status = nullptr, const std::string& path = "/ws");
  ~WsClient();

  void send(json::Object&& message);
  void send_text(const std::string& text);
  // The next message (any type), or null after timeout.
  JsonNodePtr next(int timeout_ms = 5000);
  // The next message of this type; messages of other types before it are dropped.
  JsonNodePtr wait_for(const std::string& type, int timeout_ms = 5000);
  // True when no message arrives within timeout_ms.
  bool quiet_for(int timeout_ms);
  // Waits until the server closed the connection; returns the close code or -1.
  int wait_closed(int timeout_ms = 5000);
  bool is_closed() const { return closed_; }
  int close_code() const { return close_code_; }
  void close(int code = SOUP_WEBSOCKET_CLOSE_NORMAL);
  SoupWebsocketConnection* connection() const { return ws_.get(); }

 private:
  WsClient() = default;
  static void on_message(SoupWebsocketConnection*, gint type, GBytes* message, gpointer self);
  static void on_closed(SoupWebsocketConnection*, gpointer self);

  // The thread-default context at connect time: the one this client iterates.
  GMainContext* context_ = nullptr;
  GObjectPtr<SoupSession> session_;
  GObjectPtr<SoupWebsocketConnection> ws_;
  std::deque<std::string> inbox_;
  bool closed_ = false;
  int close_code_ = -1;
};

// Helpers to read fields of a message node.
std::string str_field(JsonNode* msg, const char* field);
int64_t int_field(JsonNode* msg, const char* field);
JsonObject* obj(JsonNode* msg);

}  // namespace convene::testing
