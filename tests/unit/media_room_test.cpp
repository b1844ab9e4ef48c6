// A room's media driven through its own API, in process and without
// network, as signaling drives it: who may publish (promote and demote take
// effect at once) and failures found after a call returned, which must name
// that call's request. Offers and answers come from a local webrtcbin;
// published tracks are bare tees standing in for a publisher's streams.
#define GST_USE_UNSTABLE_API
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "local_peer.h"
#include "media/media_module.h"
#include "media/media_room.h"
#include "media/immediate_feedback.h"
#include "media/pad_util.h"
#include "media/receive_hand_off.h"
#include "media/path_shortcut.h"
#include "media/repeated_event_filter.h"
#include "util/gst_object_ptr.h"

namespace convene::media {
namespace {

// Stands in for signaling: keeps what media said to whom.
class Peers : public PeerMediaListener, public RoomMediaListener {
 public:
  struct Said {
    std::string peer_id, what, sdp, code, request_id;
    size_t tracks = 0;
  };
  void publish_answer(const std::string&, const std::string& peer_id, const std::string& sdp,
                      const std::string& request_id) override {
    said.push_back({peer_id, "publish-answer", sdp, "", request_id});
  }
  void subscribe_offer(const std::string&, const std::string& peer_id, const std::string& sdp,
                       const std::vector<OfferedTrack>& tracks) override {
    said.push_back({peer_id, "subscribe-offer", sdp, "", "", tracks.size()});
  }
  void local_candidate(const std::string&, const std::string&, PeerConnection, unsigned,
                       const std::string&) override {}
  void active_speaker(const std::string&, const std::string&) override {}
  void media_failed(const std::string&, const std::string& peer_id, const Refusal& failure,
                    const std::string& request_id) override {
    said.push_back({peer_id, "error", "", failure.code, request_id});
  }
  void track_removed(const TrackInfo& track) override { removed.push_back(track.id); }

  std::vector<Said> to(const std::string& peer_id, const std::string& what) const {
    std::vector<Said> out;
    for (const Said& s : said)
      if (s.peer_id == peer_id && s.what == what) out.push_back(s);
    return out;
  }
  std::vector<Said> said;
  std::vector<std::string> removed;
};

using testing::LocalPeer;
using testing::loop_until;

class MediaRoomApi : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_THROW(MediaModule::register_elements(settings_));
    settings_.ice_addresses = {"127.0.0.1"};  // gather on loopback only; nothing is ever sent
    room_ = std::make_unique<MediaRoom>("room", settings_, peers_, peers_);
  }
  void TearDown() override {
    room_.reset();
    while (g_main_context_iteration(nullptr, FALSE)) {
    }
  }
  void join(const std::string& id, bool can_publish) { room_->add_participant(MediaPeer{id, "u-" + id, id, can_publish}); }
  // A track of `peer_id`'s: a bare tee standing in for its publish connection's stream.
  void publish_tee(const std::string& peer_id, const std::string& mid, const std::string& kind) {
    GstElement* tee = gst_element_factory_make("tee", nullptr);
    g_object_set(tee, "allow-not-linked", TRUE, nullptr);
    gst_bin_add(room_->bin(), tee);
    gst_element_sync_state_with_parent(tee);
    TrackInfo t;
    t.id = peer_id + "/" + mid;
    t.room_id = "room";
    t.peer_id = peer_id;
    t.kind = kind;
    t.source = kind == "audio" ? "microphone" : "camera";
    room_->add_publication(t, tee, kind == "audio" ? "OPUS" : "VP8");
  }
  // Both join; alice's publish offer is answered, her tracks (`kinds`, by
  // mid) stand as tees, and bob answers the subscribe offer that follows.
  void alice_publishes_to_bob(LocalPeer& alice, LocalPeer& bob, const std::vector<std::string>& kinds) {
    join("alice", true);
    join("bob", true);
    room_->publish_offer("alice", alice.publish_offer(), {{"0", "camera"}}, "p1");
    ASSERT_TRUE(loop_until(20000, [&] { return !peers_.to("alice", "publish-answer").empty(); }));
    for (size_t mid = 0; mid < kinds.size(); ++mid) publish_tee("alice", std::to_string(mid), kinds[mid]);
    ASSERT_TRUE(loop_until(20000, [&] { return !peers_.to("bob", "subscribe-offer").empty(); }));
    room_->subscribe_answer("bob", bob.answer(peers_.to("bob", "subscribe-offer")[0].sdp), "s1");
  }
  static std::string refusal_code(const std::function<void()>& call) {
    try {
      call();
    } catch (const Refusal& r) {
      return r.code;
    }
    return "";
  }

  MediaSettings settings_;
  Peers peers_;
  std::unique_ptr<MediaRoom> room_;
};

// A publisher's announced streams are offered to the others as its answer
// goes out, before its connection is up (here it never is: nothing is sent),
// so subscribe connections are set up while publish connections still are.
TEST_F(MediaRoomApi, AnnouncedTracksAreOfferedToOthersBeforeThePublishConnectionIsUp) {
  join("alice", true);
  join("bob", true);
  LocalPeer alice;
  std::string offer = alice.publish_offer();
  // The a=ssrc line a browser's offer carries (LocalPeer's webrtcbin writes none).
  const std::string mid_line = "a=mid:video0\r\n";
  const size_t mid = offer.find(mid_line);
  ASSERT_NE(mid, std::string::npos) << offer;
  offer.insert(mid + mid_line.size(), "a=ssrc:1234567 cname:alice\r\n");
  room_->publish_offer("alice", offer, {{"video0", "camera"}}, "p1");
  ASSERT_TRUE(loop_until(20000, [&] { return !peers_.to("alice", "publish-answer").empty(); }));
  ASSERT_TRUE(loop_until(5000, [&] { return !peers_.to("bob", "subscribe-offer").empty(); }))
      << "bob is offered alice's camera before any of it arrived";
  EXPECT_EQ(peers_.to("bob", "subscribe-offer")[0].tracks, 1u);
  const Publication* camera = room_->publication("alice/video0");
  ASSERT_NE(camera, nullptr);
  EXPECT_EQ(camera->info().kind, "video");
}

// Recording, the composite and WHEP take a track's tee pad and give it back;
// the caller keeps its reference (its smart pointer drops it). Giving it back
// used to drop the caller's reference too: the pad was freed once the tee let
// go of it while the caller still held it (four GStreamer criticals each time
// a WHEP viewer's composite stopped, a use after free).
TEST_F(MediaRoomApi, ATrackPadGivenBackStaysTheCallersUntilItLetsGo) {
  join("alice", true);
  publish_tee("alice", "0", "video");
  GstPad* pad = room_->request_track_pad("alice/0");
  ASSERT_TRUE(pad);
  gpointer alive = pad;
  g_object_add_weak_pointer(G_OBJECT(pad), &alive);
  room_->release_track_pad("alice/0", pad);
  // Released from the tee on the main loop (an idle probe posts it).
  ASSERT_TRUE(loop_until(5000, [&] { return alive && !GST_OBJECT_PARENT(alive); })) << "freed while still held";
  EXPECT_EQ(GST_OBJECT_REFCOUNT_VALUE(pad), 1) << "only the caller's reference is left";
  gst_object_unref(pad);
  EXPECT_EQ(alive, nullptr);
}

TEST_F(MediaRoomApi, AViewerIsRefusedAndPublishesAsSoonAsItIsPromoted) {
  join("vera", false);
  LocalPeer vera;
  const std::string offer = vera.publish_offer();
  ASSERT_FALSE(offer.empty());
  EXPECT_EQ(refusal_code([&] { room_->publish_offer("vera", offer, {{"0", "camera"}}, "r1"); }), "forbidden");

  room_->set_can_publish("vera", true);  // promoted: no rejoin, no other call
  EXPECT_EQ(refusal_code([&] { room_->publish_offer("vera", offer, {{"0", "camera"}}, "r2"); }), "");
  ASSERT_TRUE(loop_until(20000, [&] { return !peers_.to("vera", "publish-answer").empty(); }))
      << "the promoted viewer's offer is answered";
  EXPECT_EQ(peers_.to("vera", "publish-answer")[0].request_id, "r2");
  EXPECT_TRUE(peers_.to("vera", "error").empty());
}

TEST_F(MediaRoomApi, ADemotedPublisherLosesEverythingItPublishedAtOnce) {
  LocalPeer alice, bob;
  ASSERT_NO_FATAL_FAILURE(alice_publishes_to_bob(alice, bob, {"video", "audio"}));
  EXPECT_EQ(peers_.to("bob", "subscribe-offer")[0].tracks, 2u);
  ASSERT_EQ(room_->stats().publications, 2u);

  room_->set_can_publish("alice", false);  // demoted to viewer
  EXPECT_EQ(room_->stats().publications, 0u) << "her publications end at once";
  EXPECT_TRUE(room_->tracks().empty());
  EXPECT_EQ(peers_.removed.size(), 2u) << "consumers (recording) hear that both tracks ended";
  EXPECT_EQ(room_->stats().participants, 2u) << "she stays in the call, receiving";
  EXPECT_EQ(refusal_code([&] { room_->publish_offer("alice", alice.publish_offer(), {{"0", "camera"}}, "p2"); }),
            "forbidden");
  ASSERT_TRUE(loop_until(20000, [&] { return peers_.to("bob", "subscribe-offer").size() >= 2; }))
      << "bob is offered a connection without her tracks";
  EXPECT_EQ(peers_.to("bob", "subscribe-offer").back().tracks, 0u);
}

// Every element inside the webrtcbin called `name` that `wanted` picks, as
// references (empty when there is no such webrtcbin: `found` says).
std::vector<GstElement*> elements_inside(GstBin* room, const char* name,
                                         const std::function<bool(GstElement*)>& wanted, bool* found = nullptr) {
  std::vector<GstElement*> out;
  g_autoptr(GstElement) webrtcbin = gst_bin_get_by_name(room, name);
  if (found) *found = webrtcbin != nullptr;
  if (!webrtcbin) return out;
  for (auto& element : descendants(GST_BIN(webrtcbin)))
    if (wanted(element.get())) out.push_back(element.release());
  return out;
}

// Every element made by `factory` inside the webrtcbin called `name`, as
// references (empty when there is no such webrtcbin: `found` says).
std::vector<GstElement*> made_inside(GstBin* room, const char* name, const char* factory, bool* found = nullptr) {
  return elements_inside(
      room, name,
      [factory](GstElement* element) {
        GstElementFactory* f = gst_element_get_factory(element);
        return f && !g_strcmp0(GST_OBJECT_NAME(f), factory);
      },
      found);
}

// The first element made by `factory` inside the webrtcbin called `name` (a reference), or null.
GstElement* find_inside(GstBin* room, const char* name, const char* factory) {
  std::vector<GstElement*> all = made_inside(room, name, factory);
  for (size_t i = 1; i < all.size(); ++i) gst_object_unref(all[i]);
  return all.empty() ? nullptr : all[0];
}

// How many elements made by `factory` run inside the webrtcbin called `name`.
int count_inside(GstBin* room, const char* name, const char* factory) {
  bool found = false;
  std::vector<GstElement*> all = made_inside(room, name, factory, &found);
  for (GstElement* e : all) gst_object_unref(e);
  return found ? static_cast<int>(all.size()) : -1;
}

// webrtcbin gives every bundled session an RTX sender (rtprtxsend), a
// thread each: a publish connection, which only receives, runs without one;
// a subscribe connection retransmits through convenertxsend, which has no
// thread, and is given the RTX type and SSRC of each stream it offered.
TEST_F(MediaRoomApi, OnlyTheSubscribeConnectionRetransmitsAndWithoutAThread) {
  LocalPeer alice, bob;
  ASSERT_NO_FATAL_FAILURE(alice_publishes_to_bob(alice, bob, {"video"}));
  ASSERT_TRUE(loop_until(20000, [&] { return count_inside(room_->bin(), "sub-bob", "convenertxsend") == 1; }))
      << "the subscribe connection retransmits";
  EXPECT_EQ(count_inside(room_->bin(), "sub-bob", "rtprtxsend"), 0) << "not through webrtcbin's threaded sender";
  EXPECT_EQ(count_inside(room_->bin(), "pub-alice", "rtpbin"), 1) << "the publish connection is set up";
  EXPECT_EQ(count_inside(room_->bin(), "pub-alice", "rtprtxreceive"), 1) << "and takes retransmissions in";
  EXPECT_EQ(count_inside(room_->bin(), "pub-alice", "rtprtxsend"), 0) << "but has no RTX sender";
  EXPECT_EQ(count_inside(room_->bin(), "pub-alice", "convenertxsend"), 0);

  g_autoptr(GstElement) rtx = find_inside(room_->bin(), "sub-bob", "convenertxsend");
  ASSERT_NE(rtx, nullptr);
  GstStructure* pts = nullptr;
  GstStructure* ssrcs = nullptr;
  g_object_get(rtx, "payload-type-map", &pts, "ssrc-map", &ssrcs, nullptr);
  ASSERT_TRUE(pts && ssrcs) << "the offer's maps are set";
  guint rtx_pt = 0;
  EXPECT_TRUE(gst_structure_get_uint(pts, "96", &rtx_pt)) << "VP8 (96) has a retransmission type";
  EXPECT_NE(rtx_pt, 0u);
  EXPECT_EQ(gst_structure_n_fields(ssrcs), 1) << "the one video stream offered has an RTX SSRC";
  std::string offer = peers_.to("bob", "subscribe-offer").back().sdp;
  EXPECT_NE(offer.find(std::string("a=ssrc-group:FID ") + gst_structure_nth_field_name(ssrcs, 0) + " "),
            std::string::npos)
      << "the one the offer names:\n" << offer;
  gst_structure_free(pts);
  gst_structure_free(ssrcs);
}

// Both connections' received packets skip webrtcbin's receive queue once
// they are up (receive_hand_off.h): the hand-off sits on the queue of each
// connection's TransportReceiveBin. This is the layout GStreamer 1.22's
// webrtcbin has; it fails if a GStreamer update changes it.
TEST_F(MediaRoomApi, BothConnectionsReceiveWithoutTheQueuesThreadHandOff) {
  LocalPeer alice, bob;
  ASSERT_NO_FATAL_FAILURE(alice_publishes_to_bob(alice, bob, {"video"}));
  auto receive_queues = [&](const char* name, int* with_hand_off) {
    int queues = 0;
    *with_hand_off = 0;
    for (GstElement* queue : made_inside(room_->bin(), name, "queue")) {
      GstObject* parent = GST_OBJECT_PARENT(queue);
      if (parent && !g_strcmp0(G_OBJECT_TYPE_NAME(parent), "TransportReceiveBin")) {
        ++queues;
        if (g_object_get_data(G_OBJECT(queue), kReceiveHandOffData)) ++*with_hand_off;
      }
      gst_object_unref(queue);
    }
    return queues;
  };
  int with_hand_off = 0;
  ASSERT_TRUE(loop_until(20000, [&] { return receive_queues("sub-bob", &with_hand_off) == 1; }))
      << "bundled: one transport, one receive queue";
  EXPECT_EQ(with_hand_off, 1);
  EXPECT_EQ(receive_queues("pub-alice", &with_hand_off), 1);
  EXPECT_EQ(with_hand_off, 1);
}

// Both connections read their packets through conveneicesrc, which the
// media module registers as "nicesrc" (webrtcbin's name for its receivers):
// on the ICE agent's own thread, with no thread of nicesrc's.
TEST_F(MediaRoomApi, BothConnectionsReceiveThroughTheIceSourceWithoutAThread) {
  LocalPeer alice, bob;
  ASSERT_NO_FATAL_FAILURE(alice_publishes_to_bob(alice, bob, {"video"}));
  // The types of the sources inside each TransportReceiveBin.
  auto receivers = [&](const char* name) {
    std::vector<std::string> types;
    for (GstElement* element : elements_inside(room_->bin(), name, [](GstElement* e) {
           GstObject* parent = GST_OBJECT_PARENT(e);
           return parent && !g_strcmp0(G_OBJECT_TYPE_NAME(parent), "TransportReceiveBin") &&
                  GST_OBJECT_FLAG_IS_SET(e, GST_ELEMENT_FLAG_SOURCE);
         })) {
      types.emplace_back(G_OBJECT_TYPE_NAME(element));
      gst_object_unref(element);
    }
    return types;
  };
  ASSERT_TRUE(loop_until(20000, [&] { return receivers("sub-bob").size() == 1; })) << "bundled: one transport";
  EXPECT_EQ(receivers("sub-bob"), std::vector<std::string>{"ConveneIceSrc"});
  EXPECT_EQ(receivers("pub-alice"), std::vector<std::string>{"ConveneIceSrc"});
}

// A subscribe connection's packets skip the ghost pads between rtpfunnel,
// the RTX sender, rtpsession and srtpenc (path_shortcut.h): each
// shortcut sits where its way starts, and the way ends where it should. This
// is the layout of GStreamer 1.22's webrtcbin (rtpbin puts the RTX sender
// before rtpsession); it fails if an update changes it.
TEST_F(MediaRoomApi, ASubscribersPacketsCanSkipTheGhostPadsDownToSrtp) {
  LocalPeer alice, bob;
  ASSERT_NO_FATAL_FAILURE(alice_publishes_to_bob(alice, bob, {"video"}));
  // Where the way from `src` ends: "<factory>:<pad>", or "" while unlinked.
  auto way_end = [](GstPad* src) -> std::string {
    GstObjectPtr<GstPad> end;
    ghost_pads_after(src, &end);
    if (!end) return "";
    g_autoptr(GstElement) owner = gst_pad_get_parent_element(end.get());
    return std::string(owner ? factory_name(owner) : "?") + ":" + GST_OBJECT_NAME(end.get());
  };
  auto shortcut_way = [&](const char* factory, const char* pad_name) -> std::string {
    g_autoptr(GstElement) element = find_inside(room_->bin(), "sub-bob", factory);
    g_autoptr(GstPad) pad = element ? gst_element_get_static_pad(element, pad_name) : nullptr;
    if (!pad || !g_object_get_data(G_OBJECT(pad), kPathShortcutData)) return "no shortcut";
    return way_end(pad);
  };
  ASSERT_TRUE(loop_until(20000, [&] { return shortcut_way("rtpsession", "send_rtp_src") == "srtpenc:rtp_sink_0"; }))
      << shortcut_way("rtpsession", "send_rtp_src");
  EXPECT_EQ(shortcut_way("rtpfunnel", "src"), "convenertxsend:sink");
  EXPECT_EQ(shortcut_way("convenertxsend", "src"), "rtpsession:send_rtp_sink");
  // Each input's packets skip the funnel too only where its output drops repeated events.
  g_autoptr(GstElement) funnel = find_inside(room_->bin(), "sub-bob", "rtpfunnel");
  g_autoptr(GstPad) funnel_src = funnel ? gst_element_get_static_pad(funnel, "src") : nullptr;
  ASSERT_NE(funnel_src, nullptr);
  EXPECT_NE(segments_passed(funnel_src), nullptr);
}

// A publish connection's received packets can skip what passes them on
// unchanged (path_shortcut.h): from srtpdec to rtpsession, three ghost
// pads; from rtpsession to the SSRC demuxer, the auxiliary receiver and the
// storage, which keeps nothing as no FEC was negotiated (fec_storage.h).
// (The third way, from each payload type's demuxer pad, appears with the
// first packet: the media suite's calls take it.) This is the layout of
// GStreamer 1.22's webrtcbin; it fails if an update changes it.
TEST_F(MediaRoomApi, APublishersPacketsCanSkipWhatPassesThemOnUnchanged) {
  LocalPeer alice, bob;
  ASSERT_NO_FATAL_FAILURE(alice_publishes_to_bob(alice, bob, {"video"}));
  // Where the way from `factory`'s `pad_name` ends ("<factory>:<pad>"), and
  // the elements on it, or what is missing.
  auto way = [&](const char* factory, const char* pad_name) -> std::string {
    g_autoptr(GstElement) element = find_inside(room_->bin(), "pub-alice", factory);
    g_autoptr(GstPad) pad = element ? gst_element_get_static_pad(element, pad_name) : nullptr;
    if (!pad || !g_object_get_data(G_OBJECT(pad), kPathShortcutData)) return "no shortcut";
    GstObjectPtr<GstPad> end;
    std::vector<GstObjectPtr<GstElement>> elements;
    receive_pass_throughs_after(pad, &end, &elements);
    std::string out;
    for (const auto& e : elements) out += std::string(factory_name(e.get())) + " ";
    if (!end) return out + "(not linked)";
    g_autoptr(GstElement) owner = gst_pad_get_parent_element(end.get());
    out += std::string(owner ? factory_name(owner) : "?") + ":" + GST_OBJECT_NAME(end.get());
    return out;
  };
  ASSERT_TRUE(loop_until(20000, [&] { return way("rtpsession", "recv_rtp_src") != "no shortcut"; }))
      << way("rtpsession", "recv_rtp_src");
  EXPECT_EQ(way("rtpsession", "recv_rtp_src"), "rtprtxreceive rtpreddec rtpstorage rtpssrcdemux:sink");
  EXPECT_EQ(way("srtpdec", "rtp_src"), "rtpsession:recv_rtp_sink");
  EXPECT_EQ(way("srtpdec", "rtcp_src"), "rtpsession:recv_rtcp_sink");
  g_autoptr(GstElement) storage = find_inside(room_->bin(), "pub-alice", "rtpstorage");
  ASSERT_NE(storage, nullptr);
  guint64 kept = 1;
  g_object_get(storage, "size-time", &kept, nullptr);
  EXPECT_EQ(kept, 0u) << "no FEC in the offer: nothing kept for it";
}

// A browser's publish offer (Chromium's, with RED and ULPFEC) is answered
// with the room's codec alone, and webrtcbin is given it without them: its
// packet storage, sized from the remote description, kept each packet 100 ms
// for FEC that was never negotiated (fec_decline.h, fec_storage.h).
TEST_F(MediaRoomApi, ABrowsersOfferOfFecIsDeclinedAndNothingIsKeptForIt) {
  const char* root = std::getenv("CONVENE_SOURCE_DIR");
  std::ifstream in(std::string(root ? root : ".") + "/tests/fuzz/sdp_webrtcbin/chromium-publish-offer.sdp");
  std::stringstream offer;
  offer << in.rdbuf();
  ASSERT_NE(offer.str().find("ulpfec/90000"), std::string::npos) << "the fixture (CONVENE_SOURCE_DIR)";
  join("alice", true);
  room_->publish_offer("alice", offer.str(), {{"1", "camera"}}, "p1");
  ASSERT_TRUE(loop_until(20000, [&] { return !peers_.to("alice", "publish-answer").empty(); }));
  const std::string answer = peers_.to("alice", "publish-answer")[0].sdp;
  EXPECT_EQ(answer.find("ulpfec/"), std::string::npos) << answer;
  EXPECT_EQ(answer.find("red/"), std::string::npos) << answer;
  EXPECT_NE(answer.find("VP8/90000"), std::string::npos) << answer;
  g_autoptr(GstElement) reddec = find_inside(room_->bin(), "pub-alice", "rtpreddec");
  g_autoptr(GstElement) storage = find_inside(room_->bin(), "pub-alice", "rtpstorage");
  ASSERT_TRUE(reddec && storage);
  gint red_pt = 0;
  guint64 kept = 1;
  g_object_get(reddec, "pt", &red_pt, nullptr);
  g_object_get(storage, "size-time", &kept, nullptr);
  EXPECT_EQ(red_pt, -1) << "no RED to decode";
  EXPECT_EQ(kept, 0u) << "nothing kept for FEC";
}

// A publish connection's NACKs and PLIs leave at once, apart from its
// regular reports (immediate_feedback.h): the shortcut has found the one
// SRTP encoder of the connection, and the RTCP input it chains into. This is
// the layout GStreamer 1.22's webrtcbin has; it fails if an update changes it.
TEST_F(MediaRoomApi, ThePublishConnectionSendsItsFeedbackAtOnce) {
  LocalPeer alice, bob;
  ASSERT_NO_FATAL_FAILURE(alice_publishes_to_bob(alice, bob, {"video"}));
  g_autoptr(GstElement) pub = gst_bin_get_by_name(room_->bin(), "pub-alice");
  g_autoptr(GstElement) sub = gst_bin_get_by_name(room_->bin(), "sub-bob");
  ASSERT_TRUE(pub && sub);
  ASSERT_TRUE(loop_until(20000, [&] { return feedback_goes_at_once(pub); })) << "its one SRTP encoder is known";
  EXPECT_FALSE(feedback_goes_at_once(sub)) << "a subscribe connection asks its client for nothing";
  g_autoptr(GstElement) srtpenc = find_inside(room_->bin(), "pub-alice", "srtpenc");
  ASSERT_NE(srtpenc, nullptr);
  g_autoptr(GstPad) rtcp_input = gst_element_get_static_pad(srtpenc, "rtcp_sink_0");
  EXPECT_NE(rtcp_input, nullptr) << "where the feedback enters encryption";
}

// Received RTCP feedback is not kept (webrtc_endpoint.cpp: rtpsession's copy
// of each packet, sorted into a list, served only multicast sessions).
TEST_F(MediaRoomApi, NeitherConnectionKeepsTheFeedbackItReceives) {
  LocalPeer alice, bob;
  ASSERT_NO_FATAL_FAILURE(alice_publishes_to_bob(alice, bob, {"video"}));
  for (const char* connection : {"pub-alice", "sub-bob"}) {
    ASSERT_TRUE(loop_until(20000, [&] { return count_inside(room_->bin(), connection, "rtpsession") == 1; }))
        << connection << " has its RTP session";
    // rtpbin adds the element, then tells (element-added, on webrtcbin's thread).
    guint64 window = 0;
    EXPECT_TRUE(loop_until(5000, [&] {
      g_autoptr(GstElement) rtpsession = find_inside(room_->bin(), connection, "rtpsession");
      g_autoptr(GObject) session = nullptr;
      if (rtpsession) g_object_get(rtpsession, "internal-session", &session, nullptr);
      if (session) g_object_get(session, "rtcp-feedback-retention-window", &window, nullptr);
      return window == GST_CLOCK_TIME_NONE;
    })) << connection << " keeps feedback for " << window << " ns";
  }
}

// `[media] rtx_without_thread = false`: the subscribe connection keeps
// webrtcbin's own rtprtxsend; the publish connection still has none.
TEST_F(MediaRoomApi, WithoutConveneRtxSendTheSubscribeConnectionKeepsWebrtcbinsSender) {
  room_.reset();
  settings_.rtx_without_thread = false;
  room_ = std::make_unique<MediaRoom>("room", settings_, peers_, peers_);
  LocalPeer alice, bob;
  ASSERT_NO_FATAL_FAILURE(alice_publishes_to_bob(alice, bob, {"video"}));
  ASSERT_TRUE(loop_until(20000, [&] { return count_inside(room_->bin(), "sub-bob", "rtprtxsend") == 1; }))
      << "the subscribe connection retransmits through rtprtxsend";
  EXPECT_EQ(count_inside(room_->bin(), "sub-bob", "convenertxsend"), 0);
  EXPECT_EQ(count_inside(room_->bin(), "pub-alice", "rtprtxsend"), 0) << "the publish connection has no RTX sender";
}

// A subscribe-answer webrtcbin refuses (it names more m-lines than the offer
// had) fails only once webrtcbin has looked at it, after subscribe_answer
// returned: the failure still names the answer's request.
TEST_F(MediaRoomApi, AFailureFoundLaterCarriesTheRequestId) {
  join("alice", true);
  join("bob", true);
  publish_tee("alice", "0", "video");
  ASSERT_TRUE(loop_until(20000, [&] { return !peers_.to("bob", "subscribe-offer").empty(); }));
  LocalPeer bob;
  std::string answer = bob.answer(peers_.to("bob", "subscribe-offer")[0].sdp);
  ASSERT_FALSE(answer.empty());
  // The answer's m-section, twice.
  const size_t m = answer.find("m=");
  ASSERT_NE(m, std::string::npos);
  std::string doubled = answer + answer.substr(m);
  EXPECT_EQ(refusal_code([&] { room_->subscribe_answer("bob", doubled, "answer-7"); }), "")
      << "the answer parses: what is wrong with it shows later";
  ASSERT_TRUE(loop_until(20000, [&] { return !peers_.to("bob", "error").empty(); }));
  EXPECT_EQ(peers_.to("bob", "error")[0].code, "invalid_sdp");
  EXPECT_EQ(peers_.to("bob", "error")[0].request_id, "answer-7");
}

}  // namespace
}  // namespace convene::media
