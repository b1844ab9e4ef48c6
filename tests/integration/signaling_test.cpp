// The WebSocket protocol end to end: real server, real WebSocket clients.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "http_client.h"
#include "server_process.h"
#include "test_person.h"
#include "ws_client.h"

using namespace convene::testing;
using convene::json::Object;
using convene::JsonNodePtr;

namespace {

using Person = TestPerson;

std::string create_room(HttpClient& host, const std::string& body = R"({"name":"Sync"})") {
  auto r = host.post("/rooms", body);
  if (r.status != 201) throw std::runtime_error(r.body);
  return r.str("id");
}

JsonNodePtr next_of(WsClient& ws, const std::string& type) { return ws.wait_for(type, 5000); }

// The member names of a message, sorted.
std::set<std::string> members_of(JsonNode* msg) {
  std::set<std::string> out;
  if (!msg) return out;
  g_autoptr(GList) names = json_object_get_members(obj(msg));
  for (GList* m = names; m; m = m->next) out.insert(static_cast<const char*>(m->data));
  return out;
}

}  // namespace

TEST(Signaling, UpgradeWithoutAValidTokenIs401) {
  ServerProcess server;
  int status = 0;
  EXPECT_FALSE(WsClient::connect(server.base_url(), "", &status));
  EXPECT_EQ(status, 401);
  EXPECT_FALSE(WsClient::connect(server.base_url(), "not.a.jwt", &status));
  EXPECT_EQ(status, 401);
  HttpClient http(server.base_url());
  http.register_user("wsuser");
  auto t = http.get("/auth/ws-token");
  EXPECT_TRUE(WsClient::connect(server.base_url(), t.str("token"), &status));
}

TEST(Signaling, JoinAnnouncesPeersAndLeaveToo) {
  ServerProcess server;
  Person host(server, "anna"), bob(server, "bobby");
  std::string room = create_room(host.http);
  ASSERT_EQ(bob.http.post("/rooms/" + room + "/join").status, 200);

  auto joined = host.join(room);
  ASSERT_TRUE(joined);
  EXPECT_EQ(str_field(joined.get(), "requestId"), "join");
  EXPECT_EQ(str_field(joined.get(), "role"), "HOST");
  EXPECT_EQ(str_field(joined.get(), "mediaMode"), "sfu");
  EXPECT_EQ(json_array_get_length(json_object_get_array_member(obj(joined.get()), "peers")), 0u);

  auto bj = bob.join(room);
  ASSERT_TRUE(bj);
  JsonArray* peers = json_object_get_array_member(obj(bj.get()), "peers");
  ASSERT_EQ(json_array_get_length(peers), 1u);
  EXPECT_EQ(std::string(json_object_get_string_member(json_array_get_object_element(peers, 0), "username")), "anna");
  auto pj = next_of(*host.ws, "peer-joined");
  ASSERT_TRUE(pj);
  EXPECT_EQ(std::string(json_object_get_string_member(json_object_get_object_member(obj(pj.get()), "peer"), "peerId")),
            bob.peer_id);

  bob.ws->send(std::move(Object().set("type", "leave-room")));
  auto pl = next_of(*host.ws, "peer-left");
  ASSERT_TRUE(pl);
  EXPECT_EQ(str_field(pl.get(), "peerId"), bob.peer_id);
}

TEST(Signaling, OnlyMembersMayJoinAndViewersMayNotChat) {
  ServerProcess server;
  Person host(server, "hostess"), stranger(server, "stranger");
  std::string room = create_room(host.http);
  stranger.ws->send(std::move(Object().set("type", "join-room").set("roomId", room).set("requestId", "x")));
  auto err = next_of(*stranger.ws, "error");
  ASSERT_TRUE(err);
  EXPECT_EQ(str_field(err.get(), "code"), "forbidden");
  EXPECT_EQ(str_field(err.get(), "requestId"), "x");
  // Still connected: unknown types and bad JSON are answered, not fatal.
  stranger.ws->send_text("{not json");
  EXPECT_EQ(str_field(next_of(*stranger.ws, "error").get(), "code"), "malformed_json");
  stranger.ws->send(std::move(Object().set("type", "teleport")));
  EXPECT_EQ(str_field(next_of(*stranger.ws, "error").get(), "code"), "unknown_type");
  stranger.ws->send(std::move(Object().set("type", "chat-message").set("content", "hi")));
  EXPECT_EQ(str_field(next_of(*stranger.ws, "error").get(), "code"), "not_in_room");

  // A viewer (role set by the host's database) receives but may not chat or draw.
  stranger.http.post("/rooms/" + room + "/join");
  sqlite3* db = nullptr;
  sqlite3_open((server.data_dir() + "/convene.db").c_str(), &db);
  sqlite3_busy_timeout(db, 5000);
  sqlite3_exec(db, ("UPDATE room_members SET role='VIEWER' WHERE user_id='" + stranger.user_id + "'").c_str(), nullptr,
               nullptr, nullptr);
  sqlite3_close(db);
  auto j = stranger.join(room);
  ASSERT_TRUE(j);
  EXPECT_EQ(str_field(j.get(), "role"), "VIEWER");
  stranger.ws->send(std::move(Object().set("type", "chat-message").set("content", "hi")));
  EXPECT_EQ(str_field(next_of(*stranger.ws, "error").get(), "code"), "forbidden");
  EXPECT_FALSE(stranger.ws->is_closed());
}

// Issue #19: a client that does not say it encrypts (join-room without
// `e2ee: true`: an old client, a script) is refused by an end-to-end
// encrypted room with a clear error, host included; other rooms do not ask.
TEST(Signaling, AnE2eeRoomRefusesAClientThatDoesNotEncrypt) {
  ServerProcess server;
  Person host(server, "sealer"), guest(server, "plainbob");
  std::string sealed = create_room(host.http, R"({"name":"Sealed","e2ee":true})");
  ASSERT_EQ(guest.http.post("/rooms/" + sealed + "/join").status, 200);
  guest.ws->send(std::move(Object().set("type", "join-room").set("roomId", sealed).set("requestId", "j1")));
  auto err = next_of(*guest.ws, "error");
  ASSERT_TRUE(err);
  EXPECT_EQ(str_field(err.get(), "code"), "e2ee_required");
  EXPECT_EQ(str_field(err.get(), "requestId"), "j1");
  EXPECT_NE(str_field(err.get(), "message"), "");
  // `e2ee: false` is the same as saying nothing; the owner is no exception.
  guest.ws->send(std::move(Object().set("type", "join-room").set("roomId", sealed).set("e2ee", false)));
  EXPECT_EQ(guest.next_error_code(), "e2ee_required");
  host.send_join(sealed);
  EXPECT_EQ(host.next_error_code(), "e2ee_required");

  // Clients that encrypt get in and see each other; the refused attempts left no peer behind.
  host.claims_e2ee = guest.claims_e2ee = true;
  ASSERT_TRUE(host.join(sealed));
  auto j = guest.join(sealed);
  ASSERT_TRUE(j);
  EXPECT_EQ(json_array_get_length(json_object_get_array_member(obj(j.get()), "peers")), 1u);

  // Images in the room are sealed by the browsers: a plain data: URL is
  // refused, a sealed one is relayed and stored as it came.
  guest.ws->send(std::move(Object()
                               .set("type", "chat-message")
                               .set("kind", "image")
                               .set("content", "data:image/png;base64,iVBORw0KGgo=")
                               .set("requestId", "img")));
  auto refused = next_of(*guest.ws, "error");
  ASSERT_TRUE(refused);
  EXPECT_EQ(str_field(refused.get(), "code"), "e2ee_required");
  EXPECT_EQ(str_field(refused.get(), "requestId"), "img");
  std::string sealed_image = "e2ee:v1:q83vEjRWeJq8:AAECAwQFBgcICQoL:" + std::string(400, 'A');
  guest.ws->send(std::move(Object().set("type", "chat-message").set("kind", "image").set("content", sealed_image)));
  auto relayed = next_of(*host.ws, "chat-message");
  ASSERT_TRUE(relayed);
  EXPECT_EQ(str_field(relayed.get(), "kind"), "image");
  EXPECT_EQ(str_field(relayed.get(), "content"), sealed_image);

  // A room without e2ee asks for nothing.
  Person other(server, "plaincarl");
  std::string open_room = create_room(other.http);
  EXPECT_TRUE(other.join(open_room));
}

TEST(Signaling, ChatIsStoredAndBroadcastToEveryone) {
  ServerProcess server;
  Person host(server, "chatter"), bob(server, "listener");
  std::string room = meet(host, {&bob});
  host.ws->send(std::move(Object().set("type", "chat-message").set("kind", "text").set("content", "Hello 👋").set("requestId", "c1")));
  auto mine = next_of(*host.ws, "chat-message");
  auto theirs = next_of(*bob.ws, "chat-message");
  ASSERT_TRUE(mine && theirs);
  EXPECT_EQ(str_field(mine.get(), "requestId"), "c1");
  EXPECT_EQ(str_field(theirs.get(), "content"), "Hello 👋");
  EXPECT_EQ(std::string(json_object_get_string_member(json_object_get_object_member(obj(theirs.get()), "from"), "username")),
            "chatter");

  // An image, a too-long text, a fake image.
  std::string png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
  bob.ws->send(std::move(Object().set("type", "chat-message").set("kind", "image").set("content", png)));
  EXPECT_EQ(str_field(next_of(*host.ws, "chat-message").get(), "kind"), "image");
  bob.ws->send(std::move(Object().set("type", "chat-message").set("content", std::string(4001, 'a'))));
  EXPECT_EQ(str_field(next_of(*bob.ws, "error").get(), "code"), "message_too_long");
  bob.ws->send(std::move(Object().set("type", "chat-message").set("kind", "image").set("content", "data:text/html;base64,PGI+")));
  EXPECT_EQ(str_field(next_of(*bob.ws, "error").get(), "code"), "invalid_image");

  // Persisted: the REST history has both, newest first; a late joiner gets them too.
  auto hist = bob.http.get("/rooms/" + room + "/messages?limit=10");
  ASSERT_EQ(hist.status, 200);
  auto hist_json = hist.json();
  JsonArray* msgs = json_object_get_array_member(obj(hist_json.get()), "messages");
  ASSERT_EQ(json_array_get_length(msgs), 2u);
  EXPECT_EQ(std::string(json_object_get_string_member(json_array_get_object_element(msgs, 0), "kind")), "image");
  Person late(server, "latecomer");
  late.http.post("/rooms/" + room + "/join");
  auto lj = late.join(room);
  ASSERT_TRUE(lj);
  JsonArray* chat = json_object_get_array_member(obj(lj.get()), "chat");
  ASSERT_EQ(json_array_get_length(chat), 2u);
  EXPECT_EQ(std::string(json_object_get_string_member(json_array_get_object_element(chat, 0), "content")), "Hello 👋");
}

TEST(Signaling, ReactionsAndWhiteboardHistoryForLateJoiners) {
  ServerProcess server;
  Person host(server, "painter"), bob(server, "viewer1");
  std::string room = meet(host, {&bob});
  host.ws->send(std::move(Object().set("type", "reaction").set("emoji", "🎉")));
  auto r = next_of(*bob.ws, "reaction");
  ASSERT_TRUE(r);
  EXPECT_EQ(str_field(r.get(), "emoji"), "🎉");
  host.ws->send(std::move(Object().set("type", "reaction").set("emoji", "💩")));
  EXPECT_EQ(str_field(next_of(*host.ws, "error").get(), "code"), "invalid_reaction");

  auto stroke = convene::json::parse(
      R"({"type":"whiteboard-draw","stroke":{"tool":"pen","color":"#ff0000","width":3,"points":[[1,2],[3,4.5]]}})", nullptr);
  host.ws->send_text(convene::json::stringify(stroke.get()));
  auto d = next_of(*bob.ws, "whiteboard-draw");
  ASSERT_TRUE(d);
  EXPECT_EQ(std::string(json_object_get_string_member(json_object_get_object_member(obj(d.get()), "stroke"), "color")),
            "#ff0000");
  host.ws->send_text(R"({"type":"whiteboard-draw","stroke":{"tool":"laser","points":[[1,2]]}})");
  EXPECT_EQ(str_field(next_of(*host.ws, "error").get(), "code"), "invalid_field");

  Person late(server, "lateartist");
  late.http.post("/rooms/" + room + "/join");
  auto lj = late.join(room);
  ASSERT_TRUE(lj);
  auto history = late.ws->wait_for("whiteboard-history");
  ASSERT_TRUE(history);
  EXPECT_EQ(json_array_get_length(json_object_get_array_member(obj(history.get()), "strokes")), 1u);
  EXPECT_TRUE(json_object_get_boolean_member(obj(history.get()), "done"));

  bob.ws->send(std::move(Object().set("type", "whiteboard-clear")));
  EXPECT_TRUE(next_of(*late.ws, "whiteboard-clear"));
  Person later(server, "laterartist");
  later.http.post("/rooms/" + room + "/join");
  auto lj2 = later.join(room);
  ASSERT_TRUE(lj2);
  auto empty = later.ws->wait_for("whiteboard-history");
  ASSERT_TRUE(empty);
  EXPECT_EQ(json_array_get_length(json_object_get_array_member(obj(empty.get()), "strokes")), 0u);
}

TEST(Signaling, OneToOneRelayStaysInsideTheRoom) {
  ServerProcess server;
  Person a(server, "caller"), b(server, "callee"), c(server, "eavesdropper");
  std::string room = create_room(a.http, R"({"type":"ONE_TO_ONE"})");
  std::string other = create_room(c.http, R"({"type":"ONE_TO_ONE"})");
  b.http.post("/rooms/" + room + "/join");
  auto aj = a.join(room);
  EXPECT_EQ(str_field(aj.get(), "mediaMode"), "p2p");
  b.join(room);
  c.join(other);
  a.ws->send(std::move(Object().set("type", "offer").set("to", b.peer_id).set("sdp", "v=0 fake")));
  auto offer = next_of(*b.ws, "offer");
  ASSERT_TRUE(offer);
  EXPECT_EQ(str_field(offer.get(), "from"), a.peer_id);
  EXPECT_EQ(str_field(offer.get(), "sdp"), "v=0 fake");
  EXPECT_EQ(str_field(offer.get(), "to"), "");
  b.ws->send(std::move(Object().set("type", "answer").set("to", a.peer_id).set("sdp", "v=0 answer")));
  EXPECT_TRUE(next_of(*a.ws, "answer"));
  b.ws->send(std::move(Object().set("type", "ice-candidate").set("to", a.peer_id).set("candidate", "candidate:1").set("sdpMid", "0").set("sdpMLineIndex", 0)));
  EXPECT_EQ(str_field(next_of(*a.ws, "ice-candidate").get(), "candidate"), "candidate:1");
  // Naming a peer of another room does not reach it.
  c.ws->send(std::move(Object().set("type", "offer").set("to", a.peer_id).set("sdp", "v=0 evil")));
  EXPECT_EQ(str_field(next_of(*c.ws, "error").get(), "code"), "unknown_peer");
  EXPECT_TRUE(a.ws->quiet_for(300));
  a.ws->send(std::move(Object().set("type", "e2e-public-key").set("publicKey", "PUBKEY")));
  auto k = next_of(*b.ws, "e2e-public-key");
  ASSERT_TRUE(k);
  EXPECT_EQ(str_field(k.get(), "from"), a.peer_id);
  EXPECT_TRUE(c.ws->quiet_for(200));
}

// The relay passes on the documented fields only (docs/protocol.md), never
// whatever else a client adds.
TEST(Signaling, RelayForwardsOnlyTheDocumentedFields) {
  ServerProcess server;
  Person a(server, "strictcaller"), b(server, "strictcallee");
  std::string room = create_room(a.http, R"({"type":"ONE_TO_ONE"})");
  b.http.post("/rooms/" + room + "/join");
  a.join(room);
  b.join(room);
  using Names = std::set<std::string>;
  a.ws->send_text(R"({"type":"offer","to":")" + b.peer_id +
                  R"(","sdp":"v=0 fake","from":"spoofed","requestId":"r1","html":"<img src=x>","nested":{"a":[1,2]}})");
  auto offer = next_of(*b.ws, "offer");
  ASSERT_TRUE(offer);
  EXPECT_EQ(members_of(offer.get()), (Names{"type", "from", "sdp"}));
  EXPECT_EQ(str_field(offer.get(), "from"), a.peer_id);

  b.ws->send_text(R"({"type":"answer","to":")" + a.peer_id + R"(","sdp":"v=0 answer","extra":1})");
  EXPECT_EQ(members_of(next_of(*a.ws, "answer").get()), (Names{"type", "from", "sdp"}));

  b.ws->send_text(R"({"type":"ice-candidate","to":")" + a.peer_id +
                  R"(","candidate":"candidate:1","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"u","x":true})");
  auto cand = next_of(*a.ws, "ice-candidate");
  EXPECT_EQ(members_of(cand.get()), (Names{"type", "from", "candidate", "sdpMid", "sdpMLineIndex"}));
  EXPECT_EQ(int_field(cand.get(), "sdpMLineIndex"), 0);
  b.ws->send_text(R"({"type":"ice-candidate","to":")" + a.peer_id + R"(","candidate":"candidate:2","sdpMLineIndex":"zero"})");
  EXPECT_EQ(str_field(next_of(*b.ws, "error").get(), "code"), "invalid_field");

  a.ws->send_text(R"({"type":"e2e-public-key","publicKey":"PUBKEY","bonus":"x"})");
  EXPECT_EQ(members_of(next_of(*b.ws, "e2e-public-key").get()), (Names{"type", "from", "publicKey"}));
}

// One session waits in one lobby or sits in one room: joining room B leaves
// room A's lobby, so A's host can no longer pull it out of B.
TEST(Signaling, JoiningAnotherRoomLeavesTheLobby) {
  ServerProcess server;
  Person host_a(server, "lobbyowner"), host_b(server, "otherowner"), ann(server, "wanderer");
  auto r = host_a.http.post("/rooms", R"({"name":"With lobby","lobbyEnabled":true})");
  ASSERT_EQ(r.status, 201);
  std::string room_a = r.str("id");
  std::string room_b = create_room(host_b.http);
  ann.become_member(room_a);
  ann.become_member(room_b);
  ASSERT_TRUE(host_a.join(room_a));
  ASSERT_TRUE(host_b.join(room_b));

  ann.send_join(room_a);
  ASSERT_TRUE(next_of(*ann.ws, "lobby-waiting"));
  auto req = next_of(*host_a.ws, "lobby-request");
  ASSERT_TRUE(req);
  std::string lobby_id = str_field(req.get(), "lobbyId");

  ASSERT_TRUE(ann.join(room_b));
  auto resolved = next_of(*host_a.ws, "lobby-resolved");
  ASSERT_TRUE(resolved);
  EXPECT_EQ(str_field(resolved.get(), "lobbyId"), lobby_id);
  EXPECT_EQ(str_field(resolved.get(), "outcome"), "left");

  host_a.ws->send(std::move(Object().set("type", "lobby-admit").set("lobbyId", lobby_id)));
  EXPECT_EQ(str_field(next_of(*host_a.ws, "error").get(), "code"), "unknown_lobby_entry");
  // Ann stays in B: no room-joined for A, nobody in B sees her leave.
  ann.ws->send(std::move(Object().set("type", "chat-message").set("content", "still in B").set("requestId", "c")));
  auto mine = next_of(*ann.ws, "chat-message");
  ASSERT_TRUE(mine);
  EXPECT_EQ(str_field(mine.get(), "roomId"), room_b);
  auto seen = next_of(*host_b.ws, "chat-message");
  ASSERT_TRUE(seen);
  EXPECT_EQ(str_field(seen.get(), "content"), "still in B");
}

// No user holds more than [signaling] max_connections_per_user WebSockets;
// the extra upgrade gets a JSON 429 before any handshake.
TEST(Signaling, ConnectionsPerUserAreCapped) {
  ServerProcess server({.env = {{"CONVENE_SIGNALING_MAX_CONNECTIONS_PER_USER", "3"}}});
  HttpClient http(server.base_url()), other(server.base_url());
  http.register_user("hoarder");
  other.register_user("modest");
  std::vector<std::unique_ptr<WsClient>> open;
  for (int i = 0; i < 3; ++i) {
    open.push_back(WsClient::connect(server.base_url(), http.token()));
    ASSERT_TRUE(open.back()) << i;
  }
  int status = 0;
  EXPECT_FALSE(WsClient::connect(server.base_url(), http.token(), &status));
  EXPECT_EQ(status, 429);
  auto r = http.get("/ws?token=" + http.token(), {{"Connection", "Upgrade"},
                                                   {"Upgrade", "websocket"},
                                                   {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
                                                   {"Sec-WebSocket-Version", "13"}});
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.error_code(), "too_many_connections");
  // Somebody else is not affected; the open ones still work.
  EXPECT_TRUE(WsClient::connect(server.base_url(), other.token()));
  open[0]->send(std::move(Object().set("type", "teleport")));
  EXPECT_EQ(str_field(next_of(*open[0], "error").get(), "code"), "unknown_type");
  // Closing one gives its place back (once the server has seen the close).
  open.back()->close();
  open.back()->wait_closed();
  std::unique_ptr<WsClient> again;
  for (int i = 0; i < 50 && !again; ++i) {
    again = WsClient::connect(server.base_url(), http.token());
    if (!again) g_usleep(100000);
  }
  EXPECT_TRUE(again);
}

TEST(Signaling, HostEndingTheRoomTellsEveryoneAndCloses) {
  ServerProcess server;
  Person host(server, "ender"), bob(server, "endee");
  std::string room = meet(host, {&bob});
  ASSERT_EQ(host.http.post("/rooms/" + room + "/end").status, 200);
  EXPECT_TRUE(next_of(*bob.ws, "room-ended"));
  EXPECT_EQ(bob.ws->wait_closed(), 1000);
  EXPECT_EQ(host.ws->wait_closed(), 1000);
}

TEST(Signaling, FloodAndOversizeCloseTheConnection) {
  ServerProcess server({.env = {{"CONVENE_SIGNALING_MAX_MESSAGES_PER_SEC", "5"},
                                {"CONVENE_SIGNALING_MESSAGE_BURST", "10"},
                                {"CONVENE_SIGNALING_MAX_MESSAGE_BYTES", "4096"}}});
  Person flooder(server, "flooder"), big(server, "bigmouth"), calm(server, "calm");
  for (int i = 0; i < 50; ++i) flooder.ws->send(std::move(Object().set("type", "ping-me")));
  EXPECT_EQ(flooder.ws->wait_closed(), 1008);
  big.ws->send_text("{\"type\":\"x\",\"pad\":\"" + std::string(8000, 'a') + "\"}");
  EXPECT_EQ(big.ws->wait_closed(), 1009);
  // Others are unaffected.
  calm.ws->send(std::move(Object().set("type", "teleport")));
  EXPECT_TRUE(next_of(*calm.ws, "error"));
}

// A client that vanishes (stops answering pings) is dropped and announced as left.
TEST(Signaling, SilentPeerIsDroppedByTheHeartbeat) {
  ServerProcess server({.env = {{"CONVENE_SIGNALING_PING_INTERVAL_SEC", "1"}}});
  Person host(server, "watcher");
  std::string room = create_room(host.http);
  host.join(room);
  HttpClient ghost_http(server.base_url());
  ghost_http.register_user("ghost");
  ghost_http.post("/rooms/" + room + "/join");
  // The ghost lives on its own thread and main context; once it has joined it
  // never iterates that context again, so it never answers a ping.
  std::mutex m;
  std::condition_variable cv;
  bool joined = false, release = false;
  std::thread ghost([&] {
    GMainContext* ctx = g_main_context_new();
    g_main_context_push_thread_default(ctx);
    {
      auto ws = WsClient::connect(server.base_url(), ghost_http.token());
      ws->send(std::move(Object().set("type", "join-room").set("roomId", room)));
      bool ok = ws->wait_for("room-joined") != nullptr;
      {
        std::lock_guard lock(m);
        joined = ok;
      }
      cv.notify_all();
      std::unique_lock lock(m);
      cv.wait(lock, [&] { return release; });
    }
    g_main_context_pop_thread_default(ctx);
    g_main_context_unref(ctx);
  });
  {
    std::unique_lock lock(m);
    cv.wait_for(lock, std::chrono::seconds(10), [&] { return joined; });
  }
  auto release_ghost = [&] {
    {
      std::lock_guard lock(m);
      release = true;
    }
    cv.notify_all();
    ghost.join();
  };
  if (!joined) {
    release_ghost();
    FAIL() << "the ghost could not join";
  }
  EXPECT_TRUE(next_of(*host.ws, "peer-joined"));
  auto left = host.ws->wait_for("peer-left", 10000);
  EXPECT_TRUE(left);
  // The host, who answers, is still there.
  EXPECT_FALSE(host.ws->is_closed());
  release_ghost();
}
