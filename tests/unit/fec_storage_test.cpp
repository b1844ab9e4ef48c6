// rtpbin's packet storage in a real webrtcbin: kept for FEC only
// (fec_storage.h). A session is made by asking webrtcbin's rtpbin for a
// receiving pad, as webrtcbin does when a description sets up a transport.
#define GST_USE_UNSTABLE_API  // gst/webrtc (gst-plugins-bad)
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <string>

#include "media/fec_storage.h"
#include "media/pad_util.h"

namespace convene::media {
namespace {

constexpr char kOfferWithUlpfec[] =
    "v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96 100 101\r\n"
    "a=rtpmap:96 VP8/90000\r\na=rtpmap:100 red/90000\r\na=rtpmap:101 ULPFEC/90000\r\n";
constexpr char kOfferWithoutFec[] =
    "v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"
    "a=rtpmap:96 VP8/90000\r\na=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n";

class FecStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    webrtcbin_ = gst_element_factory_make("webrtcbin", nullptr);
    ASSERT_NE(webrtcbin_, nullptr) << "gstreamer1.0-plugins-bad";
    gst_object_ref_sink(webrtcbin_);
    g_object_set(webrtcbin_, "latency", 70u, nullptr);
    rtpbin_ = child_by_factory(GST_BIN(webrtcbin_), "rtpbin");
    ASSERT_NE(rtpbin_, nullptr);
  }
  void TearDown() override {
    if (session_pad_) {
      gst_element_release_request_pad(rtpbin_, session_pad_);
      gst_object_unref(session_pad_);
    }
    gst_clear_object(&rtpbin_);
    gst_clear_object(&webrtcbin_);
  }
  // Makes session 0 (rtpbin sizes its storage as it makes it).
  void make_session() { session_pad_ = gst_element_request_pad_simple(rtpbin_, "recv_rtp_sink_0"); }
  guint64 storage_size() {
    GObject* storage = nullptr;
    g_signal_emit_by_name(rtpbin_, "get-storage", 0u, &storage);
    if (!storage) return G_MAXUINT64;
    guint64 size = 0;
    g_object_get(storage, "size-time", &size, nullptr);
    g_object_unref(storage);
    return size;
  }

  GstElement* webrtcbin_ = nullptr;
  GstElement* rtpbin_ = nullptr;
  GstPad* session_pad_ = nullptr;
};

TEST_F(FecStorageTest, WebrtcbinAloneKeepsItsLatencyAndFiftyMilliseconds) {
  make_session();
  EXPECT_EQ(storage_size(), 120 * GST_MSECOND) << "what the policy changes (GStreamer 1.22's webrtcbin)";
  storage_follows_description(webrtcbin_, kOfferWithoutFec);
  EXPECT_EQ(storage_size(), 120 * GST_MSECOND) << "without the policy, a description changes nothing";
}

TEST_F(FecStorageTest, WithoutFecTheStorageKeepsNothing) {
  keep_storage_only_for_fec(webrtcbin_);
  storage_follows_description(webrtcbin_, kOfferWithoutFec);
  make_session();
  EXPECT_EQ(storage_size(), 0u) << "a session made while applying a description without FEC";
}

TEST_F(FecStorageTest, ADescriptionWithFecSizesItAsWebrtcbinWouldAndOneWithoutEmptiesIt) {
  keep_storage_only_for_fec(webrtcbin_);
  make_session();
  EXPECT_EQ(storage_size(), 0u) << "before any description names FEC";
  storage_follows_description(webrtcbin_, kOfferWithUlpfec);
  EXPECT_EQ(storage_size(), 120 * GST_MSECOND);
  storage_follows_description(webrtcbin_, kOfferWithoutFec);
  EXPECT_EQ(storage_size(), 0u);
}

// A browser's publish offer names ulpfec: webrtcbin makes the session's
// storage while applying it, on its own thread and holding its own lock,
// where the policy must not ask webrtcbin anything (its properties take that
// lock: the first version waited there for good).
TEST_F(FecStorageTest, AnOfferWithFecIsAppliedWithoutWaitingOnWebrtcbin) {
  constexpr char kBrowserOffer[] =
      "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 1\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 96 118\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
      "a=ice-ufrag:Xq8k\r\na=ice-pwd:7y1NFu8kU5k3oTQ2xQwq3h0d\r\n"
      "a=fingerprint:sha-256 3A:1C:8F:0E:2B:77:90:61:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:"
      "01:23:45:67:89\r\na=setup:actpass\r\na=mid:1\r\na=sendonly\r\na=rtcp-mux\r\n"
      "a=rtpmap:96 VP8/90000\r\na=rtpmap:118 ulpfec/90000\r\na=ssrc:2001 cname:x\r\n";
  keep_storage_only_for_fec(webrtcbin_);
  ASSERT_NE(gst_element_set_state(webrtcbin_, GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
  GstSDPMessage* msg = nullptr;
  gst_sdp_message_new_from_text(kBrowserOffer, &msg);
  GstWebRTCSessionDescription* offer = gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_OFFER, msg);
  storage_follows_description(webrtcbin_, kBrowserOffer);
  static std::atomic<bool> applied{false};
  GstPromise* promise = gst_promise_new_with_change_func([](GstPromise*, gpointer) { applied = true; }, nullptr, nullptr);
  g_signal_emit_by_name(webrtcbin_, "set-remote-description", offer, promise);
  gst_promise_unref(promise);
  gst_webrtc_session_description_free(offer);
  for (int i = 0; i < 1000 && !applied; ++i) g_usleep(10000);
  if (!applied) {
    ADD_FAILURE() << "webrtcbin never applied the offer: its thread waits in the storage policy";
    std::_Exit(1);  // its thread holds webrtcbin's lock for good: teardown would hang
  }
  EXPECT_EQ(storage_size(), 120 * GST_MSECOND) << "FEC negotiated: what webrtcbin keeps";
  gst_element_set_state(webrtcbin_, GST_STATE_NULL);
}

TEST(NamesUlpfec, OnlyAnUlpfecEncodingInAnyCase) {
  EXPECT_TRUE(names_ulpfec(kOfferWithUlpfec));
  EXPECT_TRUE(names_ulpfec("a=rtpmap:118 ulpfec/90000\r\n"));
  EXPECT_FALSE(names_ulpfec(kOfferWithoutFec));
  EXPECT_FALSE(names_ulpfec("a=rtpmap:100 red/90000\r\na=rtpmap:35 flexfec-03/90000\r\n"));
  EXPECT_FALSE(names_ulpfec(""));
}

}  // namespace
}  // namespace convene::media
