// GET /metrics during a real SFU call through the binary: webrtcbin
// participants publish test video and audio; the scrape passes `promtool
// check metrics`; forwarded packets rise while media flows; the call's
// rooms, participants, publications and streams show while it lasts and go
// back to 0 after everyone leaves, while the counters keep what they counted.
#include <gtest/gtest.h>

#include <memory>

#include "http_client.h"
#include "prometheus_text.h"
#include "server_process.h"
#include "sfu_client.h"
#include "test_person.h"

namespace {

using namespace convene::testing;

constexpr const char* kToken = "metrics-sfu-token";

std::string scrape(const ServerProcess& server) {
  HttpClient http(server.base_url());
  auto r = http.get("/metrics", {{"Authorization", std::string("Bearer ") + kToken}});
  EXPECT_EQ(r.status, 200) << r.body;
  return r.body;
}

double value(const std::string& text, const std::string& series) { return prometheus_value(text, series); }

}  // namespace

TEST(MetricsWithSfu, ScrapeDuringACallAndAfterEveryoneLeft) {
  ServerOptions o;
  o.env["CONVENE_MEDIA_ICE_ADDRESSES"] = "127.0.0.1";
  o.env["CONVENE_METRICS_TOKEN"] = kToken;
  ServerProcess server(o);

  std::string before = scrape(server);
  EXPECT_EQ(promtool_problems(before), "");
  EXPECT_EQ(value(before, "convene_media_participants"), 0);
  EXPECT_EQ(value(before, "convene_rtp_packets_forwarded_total"), 0);

  double forwarded_in_call = 0;
  {
    // Two people, both publishing, each decoding the other. When the SFU does
    // not connect a publisher within 30 s (its own suite tests that), start
    // over with new people, at most three times: this test is about metrics.
    std::unique_ptr<TestPerson> ann, bob;
    std::unique_ptr<SfuClient> a, b;
    bool connected = false;
    for (int attempt = 0; attempt < 3 && !connected; ++attempt) {
      a.reset();
      b.reset();
      ann = std::make_unique<TestPerson>(server, "ann" + std::to_string(attempt));
      bob = std::make_unique<TestPerson>(server, "bob" + std::to_string(attempt));
      a = std::make_unique<SfuClient>(*ann);
      b = std::make_unique<SfuClient>(*bob);
      meet(*ann, {bob.get()});
      a->publish();
      b->publish();
      connected = pump_until({a.get(), b.get()}, 30000, [&] {
        return a->frames_from(bob->peer_id) > 10 && b->frames_from(ann->peer_id) > 10;
      });
      if (!connected)
        std::fprintf(stderr, "the SFU did not connect the call (attempt %d): %s / %s\n", attempt + 1,
                     a->describe().c_str(), b->describe().c_str());
    }
    ASSERT_TRUE(connected) << "the SFU connected no call in three attempts";

    std::string first = scrape(server);
    EXPECT_EQ(promtool_problems(first), "");
    EXPECT_GE(value(first, "convene_media_rooms"), 1) << first;
    EXPECT_GE(value(first, "convene_media_participants"), 2);
    EXPECT_GE(value(first, "convene_media_publications{kind=\"video\"}"), 2);
    EXPECT_GE(value(first, "convene_media_publications{kind=\"audio\"}"), 2);
    EXPECT_GE(value(first, "convene_media_forwarded_streams"), 4);
    double p1 = value(first, "convene_rtp_packets_forwarded_total");
    EXPECT_GT(p1, 0);
    EXPECT_GT(value(first, "convene_rtp_bytes_forwarded_total"), p1 * 12);  // at least an RTP header each
    EXPECT_GT(value(first, "convene_rtp_packets_received_total"), 0);
    EXPECT_GT(value(first, "convene_sfu_latency_seconds_count"), 0);
    EXPECT_GT(value(first, "convene_websocket_messages_received_total{type=\"publish-offer\"}"), 0);

    // Media keeps flowing: the counter rises.
    pump_for({a.get(), b.get()}, 2000);
    std::string second = scrape(server);
    forwarded_in_call = value(second, "convene_rtp_packets_forwarded_total");
    EXPECT_GT(forwarded_in_call, p1);
    EXPECT_GE(value(second, "convene_join_first_frame_seconds_count"), 2) << second;
    EXPECT_GT(value(second, "convene_subscriber_loss_ratio_count"), 0);
    EXPECT_EQ(promtool_problems(second), "");
    // What a scrape shows of a two-person call, for the log.
    for (const auto& [series, v] : prometheus_samples(second))
      if (series.rfind("convene_rtp", 0) == 0 || series.rfind("convene_rtcp", 0) == 0 ||
          series.rfind("convene_media", 0) == 0 || series.rfind("convene_keyframe", 0) == 0 ||
          series.find("_seconds_count") != std::string::npos || series.find("_seconds_sum") != std::string::npos)
        std::printf("%s %g\n", series.c_str(), v);

    // Everyone leaves (and hangs up).
    ann->ws->send(std::move(convene::json::Object().set("type", "leave-room")));
    bob->ws->send(std::move(convene::json::Object().set("type", "leave-room")));
    pump_for({a.get(), b.get()}, 500);
  }

  std::string after;
  for (int i = 0; i < 100; ++i) {
    after = scrape(server);
    if (value(after, "convene_media_participants") == 0 && value(after, "convene_media_rooms") == 0) break;
    g_usleep(100000);
  }
  EXPECT_EQ(value(after, "convene_media_participants"), 0) << after;
  EXPECT_EQ(value(after, "convene_media_rooms"), 0);
  EXPECT_EQ(value(after, "convene_media_forwarded_streams"), 0);
  EXPECT_EQ(value(after, "convene_media_publications{kind=\"video\"}"), 0);
  // Counters never go down when the room that counted is gone.
  EXPECT_GE(value(after, "convene_rtp_packets_forwarded_total"), forwarded_in_call);
  EXPECT_GT(value(after, "convene_sfu_latency_seconds_count"), 0);
  EXPECT_EQ(promtool_problems(after), "");
}
