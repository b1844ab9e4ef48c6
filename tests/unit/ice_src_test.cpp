// conveneicesrc under GstHarness, fed by a real libnice agent connected over
// 127.0.0.1 to a second one: what the second sends comes out of the element
// in order, whole, stamped, on the receiving agent's own thread (its socket's
// source not blocked around each packet), after the events a live source
// starts with; back in READY nothing comes until it
// plays again; and the element stands in for "nicesrc" once registered so.
#include <gst/check/gstharness.h>
#include <gtest/gtest.h>
#include <nice/agent.h>

#include <atomic>
#include <string>
#include <vector>

#include "convene_ice_src.h"
#include "nice_agent_on_thread.h"

namespace {

using convene::test::AgentOnThread;
using convene::test::wait_until;

std::string packet_number(int i) { return "packet " + std::to_string(i) + std::string(100, 'x'); }

class IceSrcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(convene_ice_src_register(nullptr));
    GstElement* src = gst_element_factory_make("conveneicesrc", nullptr);
    ASSERT_NE(src, nullptr);
    g_object_set(src, "agent", receiver_.agent(), "stream", receiver_.stream(), "component", 1u, nullptr);
    h_ = gst_harness_new_with_element(src, nullptr, "src");
    gst_object_unref(src);
    gst_harness_set_sink_caps_str(h_, "application/x-rtp");
    g_autoptr(GstPad) srcpad = gst_element_get_static_pad(h_->element, "src");
    gst_pad_add_probe(srcpad, GST_PAD_PROBE_TYPE_BUFFER,
                      [](GstPad*, GstPadProbeInfo*, gpointer data) {
                        auto* self = static_cast<IceSrcTest*>(data);
                        self->pushing_thread_ = g_thread_self();
                        GSource* dispatching = g_main_current_source();
                        if (!dispatching) ++self->pushed_outside_a_source_;
                        else if (!g_source_get_can_recurse(dispatching)) ++self->pushed_from_a_blocked_source_;
                        return GST_PAD_PROBE_OK;
                      },
                      this, nullptr);
    // Playing before ICE starts: until something receives on a running
    // context, libnice reads none of the receiver's sockets (no checks
    // answered) — webrtcbin starts its nicesrc early for the same reason.
    gst_harness_play(h_);

    receiver_.gather();
    sender_.receive_nothing();
    sender_.gather();
    ASSERT_TRUE(wait_until([&] { return receiver_.gathered() && sender_.gathered(); })) << "gathering on 127.0.0.1";
    receiver_.tell(sender_);
    sender_.tell(receiver_);
    ASSERT_TRUE(wait_until([&] { return sender_.state() == NICE_COMPONENT_STATE_READY; })) << "ICE over 127.0.0.1";
  }
  void TearDown() override {
    if (h_) gst_harness_teardown(h_);
  }

  // Sends `count` numbered packets from `first`, and takes what comes out
  // until `expected` have (or the element stays silent for long).
  std::vector<std::string> send_and_receive(int first, int count, int expected = -1) {
    if (expected < 0) expected = count;
    std::vector<std::string> received;
    for (int i = first; i < first + count; ++i) EXPECT_TRUE(sender_.send(packet_number(i)));
    wait_until([&] {
      while (GstBuffer* buffer = gst_harness_try_pull(h_)) {
        EXPECT_TRUE(GST_BUFFER_PTS_IS_VALID(buffer)) << "stamped on arrival, as nicesrc stamps";
        EXPECT_EQ(GST_BUFFER_PTS(buffer), GST_BUFFER_DTS(buffer));
        GstMapInfo map;
        gst_buffer_map(buffer, &map, GST_MAP_READ);
        received.emplace_back(reinterpret_cast<const char*>(map.data), map.size);
        gst_buffer_unmap(buffer, &map);
        gst_buffer_unref(buffer);
      }
      return received.size() >= static_cast<size_t>(expected);
    });
    return received;
  }

  AgentOnThread receiver_{true};
  AgentOnThread sender_{false};
  GstHarness* h_ = nullptr;
  std::atomic<GThread*> pushing_thread_{nullptr};
  std::atomic<int> pushed_outside_a_source_{0};
  std::atomic<int> pushed_from_a_blocked_source_{0};
};

TEST_F(IceSrcTest, WhatThePeerSendsComesOutInOrderOnTheAgentsOwnThread) {
  auto received = send_and_receive(0, 50);
  ASSERT_EQ(received.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(received[i], packet_number(i)) << "packet " << i;
  EXPECT_EQ(pushing_thread_.load(), receiver_.thread()) << "pushed from the agent's thread: no thread of its own";
}

// GLib blocks a dispatching source that cannot recurse: it takes its socket
// out of the poll set and puts it back, each time writing the context's
// wake-up fd, so every received packet cost a write, a read and an extra
// poll. The socket's source is let recurse at its first packet.
TEST_F(IceSrcTest, TheSocketsSourceIsNotBlockedAroundEachPacket) {
  auto received = send_and_receive(0, 50);
  ASSERT_EQ(received.size(), 50u);
  EXPECT_EQ(pushed_outside_a_source_.load(), 0) << "each packet is pushed from the socket's own dispatch";
  EXPECT_EQ(pushed_from_a_blocked_source_.load(), 0) << "the source's flag is set before its first packet is pushed";
}

TEST_F(IceSrcTest, StartsWithStreamStartTheCapsItsPeerFixesAndATimeSegment) {
  ASSERT_EQ(send_and_receive(0, 1).size(), 1u);
  std::vector<GstEventType> types;
  while (GstEvent* event = gst_harness_try_pull_event(h_)) {
    types.push_back(GST_EVENT_TYPE(event));
    if (GST_EVENT_TYPE(event) == GST_EVENT_CAPS) {
      GstCaps* caps = nullptr;
      gst_event_parse_caps(event, &caps);
      EXPECT_STREQ(gst_structure_get_name(gst_caps_get_structure(caps, 0)), "application/x-rtp");
    }
    if (GST_EVENT_TYPE(event) == GST_EVENT_SEGMENT) {
      const GstSegment* segment = nullptr;
      gst_event_parse_segment(event, &segment);
      EXPECT_EQ(segment->format, GST_FORMAT_TIME);
    }
    gst_event_unref(event);
  }
  EXPECT_EQ(types, (std::vector<GstEventType>{GST_EVENT_STREAM_START, GST_EVENT_CAPS, GST_EVENT_SEGMENT}));
}

TEST_F(IceSrcTest, AnswersLatencyAsALiveSourceThatHoldsNothing) {
  g_autoptr(GstQuery) query = gst_query_new_latency();
  g_autoptr(GstPad) srcpad = gst_element_get_static_pad(h_->element, "src");
  ASSERT_TRUE(gst_pad_query(srcpad, query));
  gboolean live = FALSE;
  GstClockTime min = GST_CLOCK_TIME_NONE, max = 0;
  gst_query_parse_latency(query, &live, &min, &max);
  EXPECT_TRUE(live);
  EXPECT_EQ(min, 0u);
  EXPECT_EQ(max, GST_CLOCK_TIME_NONE);
}

TEST_F(IceSrcTest, InReadyNothingComesThenPlayingReceivesAgain) {
  ASSERT_EQ(send_and_receive(0, 5).size(), 5u);
  ASSERT_EQ(gst_element_set_state(h_->element, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  for (int i = 5; i < 10; ++i) EXPECT_TRUE(sender_.send(packet_number(i)));
  g_usleep(300 * 1000);
  EXPECT_EQ(gst_harness_buffers_in_queue(h_), 0u) << "detached in READY";

  // Back in PLAYING: what came while detached may still come first (libnice
  // left it in the socket, as it does for nicesrc), then the new packets.
  ASSERT_NE(gst_element_set_state(h_->element, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  auto received = send_and_receive(10, 5, 10);
  ASSERT_GE(received.size(), 5u);
  ASSERT_LE(received.size(), 10u);
  const size_t first_new = received.size() - 5;
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(received[first_new + i], packet_number(10 + static_cast<int>(i)));
}

TEST(IceSrc, WillNotStartWithoutAnAgent) {
  ASSERT_TRUE(convene_ice_src_register(nullptr));
  GstElement* src = gst_element_factory_make("conveneicesrc", nullptr);
  ASSERT_NE(src, nullptr);
  gst_object_ref_sink(src);
  EXPECT_EQ(gst_element_set_state(src, GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
  gst_element_set_state(src, GST_STATE_NULL);
  gst_object_unref(src);
}

TEST(IceSrc, StandsInForNicesrcOnceRegisteredSo) {
  ASSERT_TRUE(convene_ice_src_register_as("nicesrc"));
  ASSERT_TRUE(convene_ice_src_register_as("nicesrc")) << "twice is no harm";
  // libnice's plugin, loaded now, registers its elements again: ours stays.
  g_autoptr(GstElement) sink = GST_ELEMENT(gst_object_ref_sink(gst_element_factory_make("nicesink", nullptr)));
  ASSERT_NE(sink, nullptr);
  GstElement* src = gst_element_factory_make("nicesrc", nullptr);
  ASSERT_NE(src, nullptr);
  gst_object_ref_sink(src);
  EXPECT_EQ(G_OBJECT_TYPE(src), CONVENE_TYPE_ICE_SRC);
  gst_object_unref(src);
}

}  // namespace
