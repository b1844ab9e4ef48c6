// The bandwidth estimate end to end: a real `convene serve` sends a publisher's
// camera and screen to two webrtcbin subscribers (tests/support/sfu_client),
// whose RTP sessions answer with transport-cc feedback; one of them receives
// through a slow link that delays what exceeds its rate and drops nothing.
// The server's estimate for that one (GET /rooms/:id/media estimateBps) must
// fall well under the other's while its receiver reports no loss: delay, not
// loss, decides. Figures are printed, never asserted as timings.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "media_test_helpers.h"
#include "server_process.h"
#include "sfu_client.h"
#include "test_person.h"

namespace convene::testing {
namespace {

SfuClientOptions receiver() {
  SfuClientOptions o;
  o.video = false;
  o.audio = false;
  o.receive_latency_ms = 200;
  o.transport_cc = true;
  return o;
}

struct SubscriberFigures {
  double estimate_bps = -1;
  double max_fraction_lost = 0;  // over what it receives
  bool found = false;
};

SubscriberFigures figures_of(TestPerson& asker, const std::string& room, const std::string& subscriber) {
  SubscriberFigures f;
  JsonNodePtr body = asker.http.get("/rooms/" + room + "/media").json();
  if (!body || !JSON_NODE_HOLDS_OBJECT(body.get())) return f;
  JsonArray* subs = json_object_get_array_member(json_node_get_object(body.get()), "subscribers");
  for (guint i = 0; subs && i < json_array_get_length(subs); ++i) {
    JsonObject* sub = json_array_get_object_element(subs, i);
    if (g_strcmp0(json_object_get_string_member(sub, "peerId"), subscriber.c_str())) continue;
    f.found = true;
    f.estimate_bps = static_cast<double>(json_object_get_int_member(sub, "estimateBps"));
    JsonArray* receives = json_object_get_array_member(sub, "receives");
    for (guint j = 0; receives && j < json_array_get_length(receives); ++j)
      f.max_fraction_lost = std::max(
          f.max_fraction_lost, json_object_get_double_member(json_array_get_object_element(receives, j), "fractionLost"));
  }
  return f;
}

// With [media] send_from_forwarders on (the DirectSender numbers the packets
// and its records say when each was sent) and off (rtpsession's).
class BandwidthEstimate : public ::testing::TestWithParam<bool> {};

TEST_P(BandwidthEstimate, ADelayOnlyBottleneckLowersTheEstimateWithoutLoss) {
  ServerOptions options = sfu_server();
  options.env["CONVENE_MEDIA_SEND_FROM_FORWARDERS"] = GetParam() ? "true" : "false";
  ServerProcess server(options);
  LogOnFailure show_log{server};
  TestPerson a(server, "alice"), b(server, "bob"), c(server, "carol");
  std::string room = meet(a, {&b, &c});
  SfuClient ca(a), cb(b, receiver()), cc(c, receiver());
  ca.publish();
  std::vector<SfuClient*> all{&ca, &cb, &cc};
  ASSERT_TRUE(pump_until(all, 20000, [&] { return cb.frames_from(a.peer_id) >= 10 && cc.frames_from(a.peer_id) >= 10; }))
      << cb.describe() << cc.describe();
  ca.start_screen();  // camera + screen + microphone: about 600 kbps to each subscriber
  ASSERT_TRUE(pump_until(all, 20000, [&] {
    return cb.frames_from(a.peer_id, "screen") >= 10 && cc.frames_from(a.peer_id, "screen") >= 10;
  })) << cb.describe() << cc.describe();
  ASSERT_TRUE(pump_until(all, 10000, [&] {
    return figures_of(a, room, b.peer_id).estimate_bps > 0 && figures_of(a, room, c.peer_id).estimate_bps > 0;
  })) << "both receivers send transport-cc feedback: " << a.http.get("/rooms/" + room + "/media").body;

  constexpr int kLinkKbps = 300;
  cc.set_incoming_rate_limit(kLinkKbps);
  SubscriberFigures bob, carol;
  double carol_lowest = 1e12, carol_loss = 0;
  const int carol_frames = cc.frames_from(a.peer_id);
  for (int second = 1; second <= 12; ++second) {
    pump_for(all, 1000);
    bob = figures_of(a, room, b.peer_id);
    carol = figures_of(a, room, c.peer_id);
    carol_lowest = std::min(carol_lowest, carol.estimate_bps);
    carol_loss = std::max(carol_loss, carol.max_fraction_lost);
    std::printf("%2d s: bob's estimate %.0f kbps, carol's (behind %d kbps) %.0f kbps, carol's loss %.1f %%\n",
                second, bob.estimate_bps / 1000, kLinkKbps, carol.estimate_bps / 1000, carol.max_fraction_lost * 100);
  }
  const std::string media = a.http.get("/rooms/" + room + "/media").body;
  ASSERT_TRUE(bob.found && carol.found) << media;
  EXPECT_LT(carol.estimate_bps, kLinkKbps * 1000.0) << "carol's link carries no more: " << media;
  EXPECT_LT(carol.estimate_bps, bob.estimate_bps / 2) << "well under bob's: " << media;
  EXPECT_GT(bob.estimate_bps, 600'000) << "bob's link is not the limit: " << media;
  EXPECT_LE(carol_loss, 0.02) << "carol's receiver reports no loss: the delay alone lowered it: " << media;
  EXPECT_GT(cc.frames_from(a.peer_id), carol_frames) << "carol still receives (late, not lost)";
  std::printf("lowest estimate for carol %.0f kbps\n", carol_lowest / 1000);
}

}  // namespace
INSTANTIATE_TEST_SUITE_P(SendPath, BandwidthEstimate, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "FromTheForwarders" : "ThroughWebrtcbin";
                         });

}  // namespace convene::testing
