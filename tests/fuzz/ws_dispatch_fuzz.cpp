// WebSocket message dispatch (src/signaling): one client message, as text,
// through SignalingModule's own path (size and rate checks, json::parse,
// the handler table, error replies) in a real App with a SQLite store.
//
// Three signed-in users share a ONE_TO_ONE room with its lobby on: the host
// (whose connection sends the input), a participant already admitted, and
// one waiting in the lobby. Ids the input cannot guess are written as
// placeholders and replaced before sending: $ROOM (the room), $SELF (the
// host's peer id), $PEER (the participant's), $USER (the participant's
// user id), $LOBBY (the waiting user's lobby entry). A connection the input
// got closed or thrown out is opened (and joined) again before the next one.
//
// Every message the server sends any of them must be a JSON object with a
// string "type".
#include <gio/gio.h>
#include <libsoup/soup.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "auth/user_repository.h"
#include "fuzz_app.h"
#include "rooms/room_repository.h"
#include "signaling/signaling_module.h"
#include "util/json.h"

namespace convene::signaling {

struct DispatchFuzzAccess {
  static uint64_t open(SignalingModule& m, SoupWebsocketConnection* ws, const std::string& user_id,
                       const std::string& username) {
    m.on_open(ws, {{"user_id", user_id}, {"username", username}});
    return m.next_session_id_ - 1;
  }
  static void text(SignalingModule& m, Session& s, const std::string& text) { m.on_text(s, text); }
  static void drop(SignalingModule& m, uint64_t id) { m.drop(id, SOUP_WEBSOCKET_CLOSE_NORMAL, "fuzz"); }
};

}  // namespace convene::signaling

namespace {

using namespace convene;
using signaling::DispatchFuzzAccess;

// A connection with no network: the server side of a socket pair whose
// other end nobody reads; what the session sends is checked and dropped.
struct Client {
  std::string user_id, username;
  uint64_t session_id = 0;
  int peer_fd = -1;
  bool closed = false;
};

struct World {
  app::App* app = nullptr;
  signaling::SignalingModule* signaling = nullptr;
  std::string room_id;
  Client host, participant, waiting;
};

World& world() {
  static World w;
  return w;
}

void check_outgoing(const std::string& text) {
  JsonNodePtr node = json::parse(text, nullptr);
  if (!node || !JSON_NODE_HOLDS_OBJECT(node.get())) __builtin_trap();
  try {
    json::require_string(json_node_get_object(node.get()), "type");
  } catch (const json::FieldError&) {
    __builtin_trap();
  }
}

void open_client(Client& c) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) abort();
  g_autoptr(GSocket) socket = g_socket_new_from_fd(fds[0], nullptr);
  if (!socket) abort();
  g_autoptr(GSocketConnection) stream = g_socket_connection_factory_create_connection(socket);
  g_autoptr(GUri) uri = g_uri_parse("ws://127.0.0.1/ws", G_URI_FLAGS_NONE, nullptr);
  g_autoptr(SoupWebsocketConnection) ws = soup_websocket_connection_new(
      G_IO_STREAM(stream), uri, SOUP_WEBSOCKET_CONNECTION_SERVER, nullptr, nullptr, nullptr);
  c.peer_fd = fds[1];
  c.closed = false;
  c.session_id = DispatchFuzzAccess::open(*world().signaling, ws, c.user_id, c.username);
  signaling::Session* s = world().signaling->session(c.session_id);
  if (!s) abort();
  s->send_text = check_outgoing;
  s->close = [&c](int, const std::string&) { c.closed = true; };
}

void close_client(Client& c) {
  if (world().signaling->session(c.session_id)) DispatchFuzzAccess::drop(*world().signaling, c.session_id);
  if (c.peer_fd >= 0) ::close(c.peer_fd);  // the server's end sees EOF and lets go
  c.peer_fd = -1;
}

signaling::Session* session(Client& c) { return world().signaling->session(c.session_id); }

void send(Client& c, const std::string& text) {
  if (signaling::Session* s = session(c)) DispatchFuzzAccess::text(*world().signaling, *s, text);
}

// Open, and in the room (or its lobby), as before the input.
void ensure(Client& c) {
  signaling::Session* s = session(c);
  if (!s || c.closed) {
    close_client(c);
    open_client(c);
    s = session(c);
  }
  if (s->in_room() || !s->waiting_room_id.empty()) return;
  send(c, R"({"type":"join-room","roomId":")" + world().room_id + R"("})");
  fuzz::pump_until(
      [&] {
        signaling::Session* now = session(c);
        return !now || now->in_room() || !now->waiting_room_id.empty();
      },
      2000);
  fuzz::drain_store();
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) s.replace(pos, from.size(), to);
}

std::string lobby_id() {
  signaling::Session* s = session(world().waiting);
  return s ? s->lobby_id : "";
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  World& w = world();
  w.app = &fuzz::app([](config::Config& cfg) {
    cfg.set("signaling", "max_messages_per_sec", "1e9");
    cfg.set("signaling", "message_burst", "1e9");
    cfg.set("signaling", "ping_interval_sec", "86400");
  });
  w.signaling = w.app->signaling();
  {
    auto c = w.app->store().connect();
    auto user = [&](const char* name, Client& client) {
      auth::User u = auth::users::create(*c, std::string(name) + "@example.org", name, std::nullopt);
      client.user_id = u.id;
      client.username = u.username;
    };
    user("host", w.host);
    user("participant", w.participant);
    user("waiting", w.waiting);
    rooms::RoomRecord room;
    room.name = "fuzz";
    room.type = "ONE_TO_ONE";
    room.max_participants = 2;
    room.host_id = w.host.user_id;
    room.lobby_enabled = true;
    room.created_at = 1'764'000'000'000;
    room = rooms::room_store::create(*c, room);
    w.room_id = room.id;
    // Members a host has not let in yet: joining puts them in the lobby.
    rooms::room_store::add_member(*c, room.id, w.participant.user_id, "PARTICIPANT", "waiting");
    rooms::room_store::add_member(*c, room.id, w.waiting.user_id, "PARTICIPANT", "waiting");
  }
  ensure(w.host);
  ensure(w.participant);
  // The participant is let in once; the third user keeps waiting.
  send(w.host, R"({"type":"lobby-admit","lobbyId":")" + session(w.participant)->lobby_id + R"("})");
  fuzz::drain_store();
  ensure(w.waiting);
  if (!session(w.host)->in_room() || !session(w.participant)->in_room() || lobby_id().empty()) abort();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  World& w = world();
  ensure(w.host);
  ensure(w.participant);
  ensure(w.waiting);
  std::string text(reinterpret_cast<const char*>(data), size);
  replace_all(text, "$ROOM", w.room_id);
  replace_all(text, "$SELF", session(w.host)->peer_id);
  replace_all(text, "$PEER", session(w.participant)->peer_id);
  replace_all(text, "$USER", w.participant.user_id);
  replace_all(text, "$LOBBY", lobby_id());
  send(w.host, text);
  fuzz::drain_store();
  return 0;
}
