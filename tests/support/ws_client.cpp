#include "ws_client.h"

#include <stdexcept>

namespace convene::testing {

std::unique_ptr<WsClient> WsClient::connect(const std::string& base_url, const std::string& token,
                                            int* http_status, const std::string& path) {
  std::string url = base_url;
  if (url.rfind("http", 0) == 0) url = "ws" + url.substr(4);
  url += path + (token.empty() ? "" : "?token=" + token);
  std::unique_ptr<WsClient> c(new WsClient());
  c->context_ = g_main_context_ref_thread_default();
  c->session_ = adopt(soup_session_new_with_options("timeout", 10, nullptr));
  g_autoptr(SoupMessage) msg = soup_message_new("GET", url.c_str());
  struct Pending {
    bool done = false;
    SoupWebsocketConnection* ws = nullptr;
  } pending;
  soup_session_websocket_connect_async(
      c->session_.get(), msg, nullptr, nullptr, G_PRIORITY_DEFAULT, nullptr,
      [](GObject* src, GAsyncResult* res, gpointer data) {
        auto* p = static_cast<Pending*>(data);
        p->ws = soup_session_websocket_connect_finish(SOUP_SESSION(src), res, nullptr);
        p->done = true;
      },
      &pending);
  while (!pending.done) g_main_context_iteration(c->context_, TRUE);
  if (http_status) *http_status = static_cast<int>(soup_message_get_status(msg));
  if (!pending.ws) return nullptr;
  c->ws_ = adopt(pending.ws);
  // Large messages (chat images) must pass.
  soup_websocket_connection_set_max_incoming_payload_size(c->ws_.get(), 16 * 1024 * 1024);
  g_signal_connect(c->ws_.get(), "message", G_CALLBACK(on_message), c.get());
  g_signal_connect(c->ws_.get(), "closed", G_CALLBACK(on_closed), c.get());
  return c;
}

WsClient::~WsClient() {
  if (context_) g_main_context_unref(context_);
  if (ws_) {
    g_signal_handlers_disconnect_by_data(ws_.get(), this);
    if (soup_websocket_connection_get_state(ws_.get()) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close(ws_.get(), SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
  }
}

void WsClient::on_message(SoupWebsocketConnection*, gint, GBytes* message, gpointer self) {
  gsize n = 0;
  const char* d = static_cast<const char*>(g_bytes_get_data(message, &n));
  static_cast<WsClient*>(self)->inbox_.emplace_back(d ? d : "", n);
}

void WsClient::on_closed(SoupWebsocketConnection* ws, gpointer self) {
  auto* c = static_cast<WsClient*>(self);
  c->closed_ = true;
  c->close_code_ = soup_websocket_connection_get_close_code(ws);
}

void WsClient::send(json::Object&& message) { send_text(std::move(message).to_string()); }

void WsClient::send_text(const std::string& text) {
  if (closed_) return;
  soup_websocket_connection_send_text(ws_.get(), text.c_str());
}

JsonNodePtr WsClient::next(int timeout_ms) {
  gint64 deadline = g_get_monotonic_time() + timeout_ms * 1000LL;
  while (inbox_.empty() && g_get_monotonic_time() < deadline) {
    if (!g_main_context_iteration(context_, FALSE)) g_usleep(1000);
  }
  if (inbox_.empty()) return nullptr;
  std::string text = std::move(inbox_.front());
  inbox_.pop_front();
  return json::parse(text, nullptr);
}

JsonNodePtr WsClient::wait_for(const std::string& type, int timeout_ms) {
  gint64 deadline = g_get_monotonic_time() + timeout_ms * 1000LL;
  for (;;) {
    gint64 left = (deadline - g_get_monotonic_time()) / 1000;
    if (left <= 0) return nullptr;
    JsonNodePtr m = next(static_cast<int>(left));
    if (!m) return nullptr;
    if (str_field(m.get(), "type") == type) return m;
  }
}

bool WsClient::quiet_for(int timeout_ms) { return next(timeout_ms) == nullptr; }

int WsClient::wait_closed(int timeout_ms) {
  gint64 deadline = g_get_monotonic_time() + timeout_ms * 1000LL;
  while (!closed_ && g_get_monotonic_time() < deadline)
    if (!g_main_context_iteration(context_, FALSE)) g_usleep(1000);
  return closed_ ? close_code_ : -1;
}

void WsClient::close(int code) {
  if (ws_ && soup_websocket_connection_get_state(ws_.get()) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close(ws_.get(), static_cast<gushort>(code), nullptr);
}

std::string str_field(JsonNode* msg, const char* field) {
  if (!msg || !JSON_NODE_HOLDS_OBJECT(msg)) return "";
  JsonObject* o = json_node_get_object(msg);
  if (!json_object_has_member(o, field)) return "";
  JsonNode* n = json_object_get_member(o, field);
  if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) return "";
  return json_node_get_string(n);
}

int64_t int_field(JsonNode* msg, const char* field) {
  if (!msg || !JSON_NODE_HOLDS_OBJECT(msg)) return -1;
  JsonObject* o = json_node_get_object(msg);
  if (!json_object_has_member(o, field)) return -1;
  return json_object_get_int_member(o, field);
}

JsonObject* obj(JsonNode* msg) { return msg && JSON_NODE_HOLDS_OBJECT(msg) ? json_node_get_object(msg) : nullptr; }

}  // namespace convene::testing
