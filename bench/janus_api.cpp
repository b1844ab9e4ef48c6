#include "janus_api.h"

#include <cstdio>
#include <stdexcept>

namespace convene::bench {

namespace {

// What an asynchronous request needs when it completes: the request's own
// cancellable tells whether its JanusApi is gone (then nothing is touched).
struct Pending {
  JanusApi* self;
  GObjectPtr<GCancellable> cancel;
  std::function<void(JanusApi*, GBytes*)> done;
};

void send_async(SoupSession* http, const std::string& url, const std::string* body, Pending* pending) {
  SoupMessage* msg = soup_message_new(body ? "POST" : "GET", url.c_str());
  if (body) {
    g_autoptr(GBytes) bytes = g_bytes_new(body->data(), body->size());
    soup_message_set_request_body_from_bytes(msg, "application/json", bytes);
  }
  soup_session_send_and_read_async(
      http, msg, G_PRIORITY_DEFAULT, pending->cancel.get(),
      [](GObject* source, GAsyncResult* result, gpointer data) {
        std::unique_ptr<Pending> p(static_cast<Pending*>(data));
        g_autoptr(GError) error = nullptr;
        g_autoptr(GBytes) out = soup_session_send_and_read_finish(SOUP_SESSION(source), result, &error);
        if (p->cancel && g_cancellable_is_cancelled(p->cancel.get())) return;
        if (!out) std::fprintf(stderr, "janus: request failed: %s\n", error->message);
        if (p->done) p->done(p->self, out);
      },
      pending);
  g_object_unref(msg);
}

JsonNodePtr parse_object(GBytes* bytes) {
  if (!bytes) return nullptr;
  gsize n = 0;
  const char* data = static_cast<const char*>(g_bytes_get_data(bytes, &n));
  return json::parse(std::string_view(data ? data : "", n), nullptr);
}

// The answer as an object, or a runtime_error with Janus's error reason.
JsonObject* checked(JsonNode* node, const std::string& what) {
  if (!node || !JSON_NODE_HOLDS_OBJECT(node)) throw std::runtime_error("janus: no JSON answer to " + what);
  JsonObject* o = json_node_get_object(node);
  std::string janus = json_object_get_string_member_with_default(o, "janus", "");
  if (janus == "error") {
    JsonObject* e = json_object_get_object_member(o, "error");
    throw std::runtime_error("janus: " + what + ": " +
                             (e ? json_object_get_string_member_with_default(e, "reason", "?") : "error"));
  }
  return o;
}

}  // namespace

JanusApi::JanusApi(SoupSession* http, std::string base_url)
    : http_(http), base_url_(std::move(base_url)), cancel_(adopt(g_cancellable_new())) {}

JanusApi::~JanusApi() {
  g_cancellable_cancel(cancel_.get());
  if (session_id_) {
    // Fire and forget: the answer is not waited for and touches nothing.
    std::string body = std::move(json::Object().set("janus", "destroy").set("transaction", transaction())).to_string();
    send_async(http_, base_url_ + "/" + std::to_string(session_id_), &body, new Pending{nullptr, {}, nullptr});
  }
}

std::string JanusApi::transaction() {
  static guint64 next = 0;
  return "t" + std::to_string(++next);
}

std::string JanusApi::post_blocking(const std::string& url, const std::string& body) {
  // Asynchronous underneath, iterating the default context until the answer
  // is in, so the other sessions' long polls are not held up.
  struct Result {
    bool done = false;
    std::string text;
  };
  auto result = std::make_shared<Result>();
  send_async(http_, url, &body, new Pending{this, retain(cancel_.get()), [result](JanusApi*, GBytes* out) {
                                              result->done = true;
                                              if (!out) return;
                                              gsize n = 0;
                                              const char* d = static_cast<const char*>(g_bytes_get_data(out, &n));
                                              result->text.assign(d ? d : "", n);
                                            }});
  gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
  while (!result->done && g_get_monotonic_time() < deadline) g_main_context_iteration(nullptr, TRUE);
  if (!result->done) throw std::runtime_error("janus: no answer from " + url);
  return result->text;
}

void JanusApi::post_async(const std::string& url, std::string body) {
  send_async(http_, url, &body, new Pending{this, retain(cancel_.get()), [](JanusApi*, GBytes* out) {
                                              JsonNodePtr n = parse_object(out);
                                              if (n && JSON_NODE_HOLDS_OBJECT(n.get())) {
                                                JsonObject* o = json_node_get_object(n.get());
                                                if (!g_strcmp0(json_object_get_string_member_with_default(o, "janus", ""), "error"))
                                                  std::fprintf(stderr, "janus: error answer: %s\n",
                                                               json::stringify(n.get()).c_str());
                                              }
                                            }});
}

void JanusApi::create_session() {
  std::string text = post_blocking(base_url_, std::move(json::Object().set("janus", "create").set("transaction", transaction())).to_string());
  JsonNodePtr n = json::parse(text, nullptr);
  JsonObject* o = checked(n.get(), "create");
  session_id_ = json_object_get_int_member(json_object_get_object_member(o, "data"), "id");
  last_keepalive_us_ = g_get_monotonic_time();
  poll();
}

guint64 JanusApi::attach(const char* plugin) {
  std::string text = post_blocking(
      base_url_ + "/" + std::to_string(session_id_),
      std::move(json::Object().set("janus", "attach").set("plugin", plugin).set("transaction", transaction())).to_string());
  JsonNodePtr n = json::parse(text, nullptr);
  JsonObject* o = checked(n.get(), "attach");
  return json_object_get_int_member(json_object_get_object_member(o, "data"), "id");
}

JsonNodePtr JanusApi::request(guint64 handle, json::Object&& body) {
  std::string text = post_blocking(base_url_ + "/" + std::to_string(session_id_) + "/" + std::to_string(handle),
                                   std::move(json::Object()
                                                 .set("janus", "message")
                                                 .set("transaction", transaction())
                                                 .set("body", std::move(body)))
                                       .to_string());
  JsonNodePtr n = json::parse(text, nullptr);
  JsonObject* o = checked(n.get(), "request");
  JsonObject* plugindata = json_object_get_object_member(o, "plugindata");
  if (!plugindata) throw std::runtime_error("janus: no plugindata in " + text);
  return JsonNodePtr(json_node_copy(json_object_get_member(plugindata, "data")));
}

void JanusApi::message(guint64 handle, json::Object&& body, const char* jsep_type, const std::string& sdp) {
  json::Object m;
  m.set("janus", "message").set("transaction", transaction()).set("body", std::move(body));
  if (jsep_type) m.set("jsep", std::move(json::Object().set("type", jsep_type).set("sdp", sdp)));
  post_async(base_url_ + "/" + std::to_string(session_id_) + "/" + std::to_string(handle), std::move(m).to_string());
}

void JanusApi::trickle(guint64 handle, guint mline, const std::string& candidate) {
  json::Object m;
  m.set("janus", "trickle").set("transaction", transaction());
  if (candidate.empty())
    m.set("candidate", std::move(json::Object().set("completed", true)));
  else
    m.set("candidate",
          std::move(json::Object().set("candidate", candidate).set("sdpMLineIndex", static_cast<int64_t>(mline))));
  post_async(base_url_ + "/" + std::to_string(session_id_) + "/" + std::to_string(handle), std::move(m).to_string());
}

void JanusApi::keepalive_if_due() {
  gint64 now = g_get_monotonic_time();
  if (!session_id_ || now - last_keepalive_us_ < 20 * G_USEC_PER_SEC) return;
  last_keepalive_us_ = now;
  post_async(base_url_ + "/" + std::to_string(session_id_),
             std::move(json::Object().set("janus", "keepalive").set("transaction", transaction())).to_string());
}

// One long poll at a time: Janus answers with up to 10 events, or a
// keepalive after 30 s; then the next poll goes out.
void JanusApi::poll() {
  send_async(http_, base_url_ + "/" + std::to_string(session_id_) + "?maxev=10", nullptr,
             new Pending{this, retain(cancel_.get()), [](JanusApi* self, GBytes* out) {
                           if (!out) return;  // the server is gone: stop polling
                           JsonNodePtr n = parse_object(out);
                           if (n) self->dispatch(n.get());
                           self->poll();
                         }});
}

void JanusApi::dispatch(JsonNode* events) {
  if (!on_event_) return;
  if (JSON_NODE_HOLDS_ARRAY(events)) {
    JsonArray* a = json_node_get_array(events);
    for (guint i = 0; i < json_array_get_length(a); ++i)
      if (JsonObject* o = json_array_get_object_element(a, i)) on_event_(o);
  } else if (JSON_NODE_HOLDS_OBJECT(events)) {
    on_event_(json_node_get_object(events));
  }
}

}  // namespace convene::bench
