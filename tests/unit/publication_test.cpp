// Publication in a pipeline of its own, without network: what leaves its
// tee towards the publisher.
#include <gst/gst.h>
#include <gst/video/video-event.h>
#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "keyframe_request.h"
#include "media/publication.h"

namespace convene::media {
namespace {

// Stands in for the publisher's webrtcbin src pad: counts the keyframe
// requests that reach it.
struct FakePublisherPad {
  GstPad* pad = gst_pad_new("publisher", GST_PAD_SRC);
  std::atomic<int> keyframe_requests{0};
  FakePublisherPad() {
    gst_object_ref_sink(pad);
    gst_pad_set_element_private(pad, this);
    gst_pad_set_event_function(pad, [](GstPad* p, GstObject*, GstEvent* e) -> gboolean {
      if (gst_video_event_is_force_key_unit(e))
        static_cast<FakePublisherPad*>(gst_pad_get_element_private(p))->keyframe_requests++;
      gst_event_unref(e);
      return TRUE;
    });
    gst_pad_set_active(pad, TRUE);
  }
  ~FakePublisherPad() {
    gst_pad_set_active(pad, FALSE);
    gst_object_unref(pad);
  }
};

TEST(Publication, KeyframeRequestsOfManySubscribersReachThePublisherOncePerInterval) {
  GstElement* pipeline = gst_pipeline_new(nullptr);
  GstElement* tee = gst_element_factory_make("tee", nullptr);
  g_object_set(tee, "allow-not-linked", TRUE, nullptr);
  gst_bin_add(GST_BIN(pipeline), tee);
  FakePublisherPad publisher;
  g_autoptr(GstPad) tee_sink = gst_element_get_static_pad(tee, "sink");
  ASSERT_EQ(gst_pad_link(publisher.pad, tee_sink), GST_PAD_LINK_OK);
  ASSERT_NE(gst_element_set_state(pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  TrackInfo info;
  info.id = "peer/1";
  info.peer_id = "peer";
  info.kind = "video";
  info.source = "camera";
  {
    Publication pub(GST_BIN(pipeline), info, tee, "VP8", 1);
    // Ten subscribers' forwarders ask at once (each request upstream through its tee pad).
    std::vector<GstPad*> subscribers;
    for (int i = 0; i < 10; ++i) subscribers.push_back(pub.request_pad());
    for (GstPad* p : subscribers) gst_pad_send_event(p, convene_keyframe_request_new());
    pub.request_keyframe();  // and the room, for a new subscriber
    EXPECT_EQ(publisher.keyframe_requests.load(), 1) << "one request reaches the publisher";
    EXPECT_EQ(pub.keyframe_requests_sent(), 1u);
    EXPECT_EQ(pub.keyframe_requests_combined(), 10u);

    g_usleep((KeyframeLimiter::kDefaultIntervalMs + 50) * 1000);
    gst_pad_send_event(subscribers[3], convene_keyframe_request_new());
    EXPECT_EQ(publisher.keyframe_requests.load(), 2) << "after the interval, the next goes out";
    for (GstPad* p : subscribers) {
      gst_element_release_request_pad(tee, p);
      gst_object_unref(p);
    }
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_pad_unlink(publisher.pad, tee_sink);
  gst_object_unref(pipeline);
}

}  // namespace
}  // namespace convene::media
