// A subscribe connection's bundle as webrtcbin 1.22 builds it: two inputs
// (video, audio) into rtpfunnel, into rtpsession, which writes sender
// reports. rtpfunnel keeps its inputs' caps, so rtpsession asks for each
// sending stream's clock rate (`request-pt-map`) at its first report, from
// inside its walk of the sources with the session lock let go: GStreamer
// 1.22.0's g_hash_table_foreach critical. With the announcer rtpsession
// never has to ask, and the funnel's output keeps the caps it sent.
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/rtp/gstrtcpbuffer.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>

#include "media/send_stream_announcer.h"

namespace convene::media {
namespace {

constexpr guint kVideoSsrc = 1111;
constexpr guint kAudioSsrc = 2222;

GstBuffer* rtp_packet(guint32 ssrc, guint8 pt, guint16 seq, guint32 ts) {
  GstBuffer* buffer = gst_rtp_buffer_new_allocate(100, 0, 0);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  gst_rtp_buffer_map(buffer, GST_MAP_WRITE, &rtp);
  gst_rtp_buffer_set_ssrc(&rtp, ssrc);
  gst_rtp_buffer_set_payload_type(&rtp, pt);
  gst_rtp_buffer_set_seq(&rtp, seq);
  gst_rtp_buffer_set_timestamp(&rtp, ts);
  gst_rtp_buffer_unmap(&rtp);
  return buffer;
}

class Bundle : public ::testing::Test {
 protected:
  void build(bool announced) {
    pipeline_ = gst_pipeline_new(nullptr);
    video_ = gst_element_factory_make("appsrc", nullptr);
    audio_ = gst_element_factory_make("appsrc", nullptr);
    funnel_ = gst_element_factory_make("rtpfunnel", nullptr);
    session_ = gst_element_factory_make("rtpsession", nullptr);
    GstElement* rtp_out = gst_element_factory_make("fakesink", nullptr);
    rtcp_ = gst_element_factory_make("appsink", nullptr);
    ASSERT_TRUE(video_ && audio_ && funnel_ && session_ && rtp_out && rtcp_);
    g_autoptr(GstCaps) video_caps = gst_caps_from_string(
        "application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96,ssrc=(uint)1111");
    g_autoptr(GstCaps) audio_caps = gst_caps_from_string(
        "application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload=111,ssrc=(uint)2222");
    for (auto [src, caps] : {std::pair{video_, video_caps}, std::pair{audio_, audio_caps}})
      g_object_set(src, "caps", caps, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp", TRUE, nullptr);
    // Reports every ~100 ms, so a few arrive in a second.
    g_object_set(session_, "rtcp-min-interval", static_cast<guint64>(100 * GST_MSECOND), nullptr);
    g_signal_connect(session_, "request-pt-map", G_CALLBACK(+[](GstElement*, guint pt, gpointer asked) -> GstCaps* {
                       ++*static_cast<std::atomic<int>*>(asked);
                       return gst_caps_new_simple("application/x-rtp", "clock-rate", G_TYPE_INT,
                                                  pt == 111 ? 48000 : 90000, nullptr);
                     }),
                     &clock_rate_asked_);
    g_object_set(rtp_out, "sync", FALSE, "async", FALSE, nullptr);
    g_object_set(rtcp_, "sync", FALSE, "async", FALSE, nullptr);
    gst_bin_add_many(GST_BIN(pipeline_), video_, audio_, funnel_, session_, rtp_out, rtcp_, nullptr);
    if (announced) {
      ASSERT_TRUE(announce_send_streams(funnel_));
    }
    ASSERT_TRUE(gst_element_link_pads(video_, "src", funnel_, "sink_%u"));
    ASSERT_TRUE(gst_element_link_pads(audio_, "src", funnel_, "sink_%u"));
    ASSERT_TRUE(gst_element_link_pads(funnel_, "src", session_, "send_rtp_sink"));
    ASSERT_TRUE(gst_element_link_pads(session_, "send_rtp_src", rtp_out, "sink"));
    ASSERT_TRUE(gst_element_link_pads(session_, "send_rtcp_src", rtcp_, "sink"));
    // Audio starts (and sends its caps) once the funnel has sent its own.
    gst_element_set_locked_state(audio_, TRUE);
    ASSERT_NE(gst_element_set_state(pipeline_, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  }
  void TearDown() override {
    if (!pipeline_) return;
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    gst_object_unref(pipeline_);
  }

  // Video alone for a while (the funnel has sent its caps before audio's
  // come), then both, until sender reports of both streams have come out.
  std::set<guint> send_until_both_report() {
    std::set<guint> reported;
    bool audio_started = false;
    for (int i = 0; i < 400 && reported.size() < 2; ++i) {  // ~8 s at most
      gst_app_src_push_buffer(GST_APP_SRC(video_), rtp_packet(kVideoSsrc, 96, static_cast<guint16>(i), i * 3000u));
      if (!audio_started) {
        g_autoptr(GstCaps) sent = current_caps(funnel_, "src");
        audio_started = sent != nullptr;
        if (audio_started) {
          gst_element_set_locked_state(audio_, FALSE);
          gst_element_sync_state_with_parent(audio_);
        }
      }
      if (audio_started)
        gst_app_src_push_buffer(GST_APP_SRC(audio_), rtp_packet(kAudioSsrc, 111, static_cast<guint16>(i), i * 960u));
      while (GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(rtcp_), 20 * GST_MSECOND)) {
        GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
        if (gst_rtcp_buffer_map(gst_sample_get_buffer(sample), GST_MAP_READ, &rtcp)) {
          GstRTCPPacket packet;
          for (gboolean more = gst_rtcp_buffer_get_first_packet(&rtcp, &packet); more;
               more = gst_rtcp_packet_move_to_next(&packet)) {
            if (gst_rtcp_packet_get_type(&packet) != GST_RTCP_TYPE_SR) continue;
            guint32 ssrc = 0;
            gst_rtcp_packet_sr_get_sender_info(&packet, &ssrc, nullptr, nullptr, nullptr, nullptr);
            reported.insert(ssrc);
          }
          gst_rtcp_buffer_unmap(&rtcp);
        }
        gst_sample_unref(sample);
      }
    }
    return reported;
  }

  GstCaps* current_caps(GstElement* element, const char* pad_name) {
    g_autoptr(GstPad) pad = gst_element_get_static_pad(element, pad_name);
    return pad ? gst_pad_get_current_caps(pad) : nullptr;
  }

  GstElement* pipeline_ = nullptr;
  GstElement* video_ = nullptr;
  GstElement* audio_ = nullptr;
  GstElement* funnel_ = nullptr;
  GstElement* session_ = nullptr;
  GstElement* rtcp_ = nullptr;
  std::atomic<int> clock_rate_asked_{0};
};

// What the announcer is for: without it rtpsession asks at each stream's first report.
TEST_F(Bundle, WithoutTheAnnouncerRtpsessionAsksForTheClockRateAtTheFirstReport) {
  build(false);
  EXPECT_EQ(send_until_both_report(), (std::set<guint>{kVideoSsrc, kAudioSsrc}));
  EXPECT_GE(clock_rate_asked_.load(), 1);
}

TEST_F(Bundle, RtpsessionKnowsEveryStreamsClockRateBeforeItsFirstReport) {
  build(true);
  EXPECT_EQ(send_until_both_report(), (std::set<guint>{kVideoSsrc, kAudioSsrc}));
  EXPECT_EQ(clock_rate_asked_.load(), 0) << "video was told before the funnel's first caps, audio after";
  // Every pad after the funnel ends with the caps the funnel sent, which is
  // what a packet skipping the pads between needs (path_shortcut.h).
  g_autoptr(GstCaps) sent = current_caps(funnel_, "src");
  g_autoptr(GstCaps) arrived = current_caps(session_, "send_rtp_sink");
  g_autoptr(GstCaps) passed_on = current_caps(session_, "send_rtp_src");
  ASSERT_TRUE(sent && arrived && passed_on);
  EXPECT_TRUE(gst_caps_is_equal(sent, arrived)) << gst_caps_to_string(arrived);
  EXPECT_TRUE(gst_caps_is_equal(sent, passed_on));
  EXPECT_FALSE(gst_structure_has_field(gst_caps_get_structure(arrived, 0), "ssrc"));
}

TEST(SendStreamAnnouncer, AFunnelTakesItOnce) {
  g_autoptr(GstElement) funnel = gst_element_factory_make("rtpfunnel", nullptr);
  ASSERT_TRUE(funnel);
  gst_object_ref_sink(funnel);
  EXPECT_TRUE(announce_send_streams(funnel));
  EXPECT_FALSE(announce_send_streams(funnel));
}

}  // namespace
}  // namespace convene::media
