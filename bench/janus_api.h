// One Janus API session over HTTP (libsoup 3 + json-glib), as a client of
// Janus's HTTP transport: create the session, attach plugin handles, send
// plugin messages (with a JSEP), trickle candidates, keep the session alive,
// and long-poll for its events.
//
// Threads: everything runs on the calling thread's default main context; the
// caller iterates it (JanusParticipant::pump). Blocking calls iterate it too,
// so other sessions' long polls keep flowing meanwhile.
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include <functional>
#include <string>

#include "util/gobject_ptr.h"
#include "util/json.h"

namespace convene::bench {

class JanusApi {
 public:
  // Every event the long poll brings ({"janus":"event"|"webrtcup"|"trickle"|...}).
  using EventHandler = std::function<void(JsonObject* event)>;

  // base_url: http://host:port/janus. `http` is shared by every session.
  JanusApi(SoupSession* http, std::string base_url);
  ~JanusApi();  // destroys the session on the server (without waiting) and stops polling
  JanusApi(const JanusApi&) = delete;
  JanusApi& operator=(const JanusApi&) = delete;

  // Blocking; throw std::runtime_error on an error answer.
  void create_session();
  guint64 attach(const char* plugin);
  // A plugin request answered at once (e.g. videoroom "create"): the plugin's data.
  JsonNodePtr request(guint64 handle, json::Object&& body);

  // Asynchronous: the answer comes as an event.
  void message(guint64 handle, json::Object&& body, const char* jsep_type = nullptr, const std::string& sdp = "");
  void trickle(guint64 handle, guint mline, const std::string& candidate);
  // Sends a keepalive when the last one is older than 20 s (Janus drops a session after 60 s).
  void keepalive_if_due();

  void set_event_handler(EventHandler handler) { on_event_ = std::move(handler); }
  guint64 session_id() const { return session_id_; }

 private:
  std::string post_blocking(const std::string& url, const std::string& body);
  void post_async(const std::string& url, std::string body);
  void poll();
  void dispatch(JsonNode* events);
  static std::string transaction();

  SoupSession* http_;
  std::string base_url_;
  guint64 session_id_ = 0;
  EventHandler on_event_;
  GObjectPtr<GCancellable> cancel_;
  gint64 last_keepalive_us_ = 0;
};

}  // namespace convene::bench
