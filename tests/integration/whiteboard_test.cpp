// The whiteboard's resource bounds against the real binary: its memory stays
// bounded however much is drawn and goes back after a clear and after the
// room closes (RSS from /proc), late joiners get the history in bounded
// chunks, and drawing faster than the per-user rate is refused.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "process_figures.h"
#include "server_process.h"
#include "test_person.h"
#include "ws_client.h"

using namespace convene::testing;
using convene::JsonNodePtr;
using convene::json::Object;

namespace {

constexpr int kMaxPoints = 10000;

// Iterates the test's main context (the clients' sockets) for a while.
void pump_for(int ms) {
  gint64 end = g_get_monotonic_time() + ms * 1000;
  while (g_get_monotonic_time() < end) {
    while (g_main_context_iteration(nullptr, FALSE)) {
    }
    g_usleep(10000);
  }
}

// True once the server's RSS is at most `limit_kb` (waits up to 10 s).
bool rss_falls_to(const ServerProcess& server, long limit_kb) {
  for (int i = 0; i < 100; ++i) {
    if (process_figures(server.pid()).rss_kb <= limit_kb) return true;
    pump_for(100);
  }
  return false;
}

// A maximum-size stroke whose first point's x is `index`, so it can be
// recognised in the history; whole-number coordinates on a 1280x720 canvas.
std::string stroke_message(int index, int points = kMaxPoints, const std::string& request_id = "") {
  std::string t = R"({"type":"whiteboard-draw",)";
  if (!request_id.empty()) t += R"("requestId":")" + request_id + R"(",)";
  t += R"("stroke":{"tool":"pen","color":"#123456","width":3,"points":[)";
  for (int i = 0; i < points; ++i) {
    if (i) t += ',';
    int x = i == 0 ? index : (i * 7) % 1280, y = (i * 13) % 720;
    t += '[' + std::to_string(x) + ',' + std::to_string(y) + ']';
  }
  return t + "]}}";
}

// Draws `count` maximum-size strokes; `watcher` receives each, which paces
// the sender (a few strokes in flight at most).
void draw_many(TestPerson& drawer, TestPerson& watcher, int first, int count) {
  constexpr int kWindow = 4;
  int received = 0;
  for (int i = 0; i < count; ++i) {
    drawer.ws->send_text(stroke_message(first + i));
    if (i - received >= kWindow) {
      ASSERT_TRUE(watcher.ws->wait_for("whiteboard-draw", 20000)) << "stroke " << received;
      ++received;
    }
  }
  for (; received < count; ++received) ASSERT_TRUE(watcher.ws->wait_for("whiteboard-draw", 20000)) << "stroke " << received;
}

// A server whose drawing rate and message flood limits let a test draw fast.
ServerOptions fast_drawing() {
  ServerOptions o;
  o.env["CONVENE_ROOMS_WHITEBOARD_POINTS_PER_SEC"] = "100000000";
  o.env["CONVENE_ROOMS_WHITEBOARD_POINTS_BURST"] = "100000000";
  o.env["CONVENE_SIGNALING_MAX_MESSAGES_PER_SEC"] = "1000";
  o.env["CONVENE_SIGNALING_MESSAGE_BURST"] = "1000";
  return o;
}

struct History {
  std::vector<size_t> chunk_bytes;
  std::vector<JsonNodePtr> strokes;
  bool done = false;
};

// Reads whiteboard-history messages until one says done.
History read_history(WsClient& ws) {
  History h;
  while (!h.done) {
    auto m = ws.wait_for("whiteboard-history", 10000);
    if (!m) break;
    h.chunk_bytes.push_back(convene::json::stringify(m.get()).size());
    JsonArray* strokes = json_object_get_array_member(obj(m.get()), "strokes");
    for (guint i = 0; strokes && i < json_array_get_length(strokes); ++i)
      h.strokes.push_back(JsonNodePtr(json_node_copy(json_array_get_element(strokes, i))));
    h.done = json_object_get_boolean_member_with_default(obj(m.get()), "done", FALSE);
  }
  return h;
}

JsonArray* points_of(JsonNode* stroke) { return json_object_get_array_member(json_node_get_object(stroke), "points"); }

int64_t coordinate(JsonArray* points, guint i, guint k) {
  return json_array_get_int_element(json_array_get_array_element(points, i), k);
}

}  // namespace

// Issue #13: 300 maximum-size strokes grew RSS by ~800 MB, kept after a clear
// and after the room closed.
TEST(Whiteboard, ManyMaximumStrokesKeepTheServerSmallAndItShrinksAfterClearAndClose) {
  ServerProcess server(fast_drawing());
  TestPerson host(server, "painter"), bob(server, "watcher");
  std::string room = meet(host, {&bob});
  draw_many(host, bob, 0, 2);
  pump_for(300);
  const long baseline = process_figures(server.pid()).rss_kb;
  ASSERT_GT(baseline, 0);

  // 80 strokes of 10,000 points: ~9 MB of JSON; before the fix ~230 MB of RSS.
  draw_many(host, bob, 0, 80);
  pump_for(300);
  long drawn = process_figures(server.pid()).rss_kb;
  std::printf("server RSS: %ld kB before drawing, %ld kB after\n", baseline, drawn);
  EXPECT_LT(drawn - baseline, 48 * 1024) << "RSS grew from " << baseline << " kB to " << drawn << " kB";

  host.ws->send(std::move(Object().set("type", "whiteboard-clear")));
  ASSERT_TRUE(bob.ws->wait_for("whiteboard-clear"));
  EXPECT_TRUE(rss_falls_to(server, baseline + 12 * 1024))
      << "after the clear RSS stayed at " << process_figures(server.pid()).rss_kb << " kB (baseline " << baseline << " kB)";

  // The room closing releases what its board held.
  std::printf("server RSS after the clear: %ld kB\n", process_figures(server.pid()).rss_kb);
  draw_many(host, bob, 0, 40);
  host.ws->send(std::move(Object().set("type", "leave-room")));
  bob.ws->send(std::move(Object().set("type", "leave-room")));
  ASSERT_TRUE(host.ws->wait_for("room-left"));
  ASSERT_TRUE(bob.ws->wait_for("room-left"));
  EXPECT_TRUE(rss_falls_to(server, baseline + 12 * 1024))
      << "after the room closed RSS stayed at " << process_figures(server.pid()).rss_kb << " kB (baseline " << baseline << " kB)";
}

// Issue #13: a late joiner's room-joined carried ~45 MB of strokes.
TEST(Whiteboard, LateJoinersGetTheBoundedHistoryInBoundedChunks) {
  ServerProcess server(fast_drawing());
  TestPerson host(server, "painter"), bob(server, "watcher");
  std::string room = meet(host, {&bob});
  constexpr int kDrawn = 64;
  draw_many(host, bob, 0, kDrawn);

  TestPerson late(server, "latecomer");
  late.become_member(room);
  auto joined = late.join(room);
  ASSERT_TRUE(joined);
  EXPECT_LT(convene::json::stringify(joined.get()).size(), 64u * 1024) << "room-joined carries no strokes";

  History h = read_history(*late.ws);
  ASSERT_TRUE(h.done) << "the history ends with done:true";
  // [rooms] whiteboard_history_chunk_bytes (128 KiB); each chunk holds whole strokes.
  for (size_t bytes : h.chunk_bytes) EXPECT_LE(bytes, 128u * 1024);
  EXPECT_GT(h.chunk_bytes.size(), 1u);
  // [rooms] whiteboard_max_bytes (4 MiB) at 8 bytes a point keeps the last ~52
  // of the 80 strokes, oldest first, points as drawn.
  size_t kept = h.strokes.size();
  EXPECT_GE(kept, 40u);
  EXPECT_LE(kept * kMaxPoints * 8, 4u * 1024 * 1024);
  for (size_t i = 0; i < kept; ++i) {
    JsonArray* points = points_of(h.strokes[i].get());
    ASSERT_EQ(json_array_get_length(points), static_cast<guint>(kMaxPoints));
    EXPECT_EQ(coordinate(points, 0, 0), static_cast<int64_t>(kDrawn - kept + i)) << "stroke " << i;
    EXPECT_EQ(coordinate(points, kMaxPoints - 1, 0), ((kMaxPoints - 1) * 7) % 1280);
    EXPECT_EQ(coordinate(points, kMaxPoints - 1, 1), ((kMaxPoints - 1) * 13) % 720);
  }

  // An empty board is one empty, final chunk.
  host.ws->send(std::move(Object().set("type", "whiteboard-clear")));
  ASSERT_TRUE(late.ws->wait_for("whiteboard-clear"));
  TestPerson later(server, "later");
  later.become_member(room);
  ASSERT_TRUE(later.join(room));
  History empty = read_history(*later.ws);
  EXPECT_TRUE(empty.done);
  EXPECT_EQ(empty.chunk_bytes.size(), 1u);
  EXPECT_TRUE(empty.strokes.empty());
}

// Each user draws at most [rooms] whiteboard_points_per_sec (5,000) points a
// second after a burst of whiteboard_points_burst (20,000).
TEST(Whiteboard, DrawingFasterThanTheRateIsRefusedWithAnError) {
  ServerProcess server;
  TestPerson host(server, "scribbler"), bob(server, "watcher");
  meet(host, {&bob});
  host.ws->send_text(stroke_message(1, kMaxPoints, "d1"));
  host.ws->send_text(stroke_message(2, kMaxPoints, "d2"));
  host.ws->send_text(stroke_message(3, kMaxPoints, "d3"));
  auto e = host.ws->wait_for("error");
  ASSERT_TRUE(e) << "the third maximum-size stroke in a row is over the rate";
  EXPECT_EQ(str_field(e.get(), "code"), "rate_limited");
  EXPECT_EQ(str_field(e.get(), "requestId"), "d3");
  ASSERT_TRUE(bob.ws->wait_for("whiteboard-draw"));
  ASSERT_TRUE(bob.ws->wait_for("whiteboard-draw"));
  EXPECT_TRUE(bob.ws->quiet_for(500)) << "the refused stroke reaches nobody";
  // The budget refills: after a second a small stroke goes through.
  pump_for(1200);
  host.ws->send_text(stroke_message(4, 100, "d4"));
  auto d = bob.ws->wait_for("whiteboard-draw");
  ASSERT_TRUE(d);
  EXPECT_EQ(json_array_get_length(json_object_get_array_member(json_object_get_object_member(obj(d.get()), "stroke"), "points")), 100u);
}
