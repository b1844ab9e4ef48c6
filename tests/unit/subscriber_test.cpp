// The subscribe side's negotiation, in process and without network: a real
// MediaRoom whose publications are bare tees, and the subscriber's answers
// made by a local webrtcbin. Nothing connects (no candidate is exchanged),
// so what is tested is the state machine: offers, answers, slots and their
// reuse, renegotiation and the answer timeout.
#define GST_USE_UNSTABLE_API
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "local_peer.h"
#include "media/media_module.h"
#include "media/media_room.h"
#include "media/publication.h"
#include "media/subscriber.h"

namespace convene::media {
namespace {

// Stands in for signaling: keeps what media told each peer.
class FakeOwner : public PeerMediaListener {
 public:
  struct Sent {
    std::string peer_id;
    std::string type;        // publish-answer, subscribe-offer, candidate, error
    std::string sdp;         // of an answer or offer
    std::vector<OfferedTrack> tracks;  // of a subscribe-offer
    std::string code;        // of an error
    std::string request_id;  // of an answer or error
  };
  void publish_answer(const std::string&, const std::string& peer_id, const std::string& sdp,
                      const std::string& request_id) override {
    sent.push_back({peer_id, "publish-answer", sdp, {}, "", request_id});
  }
  void subscribe_offer(const std::string&, const std::string& peer_id, const std::string& sdp,
                       const std::vector<OfferedTrack>& tracks) override {
    sent.push_back({peer_id, "subscribe-offer", sdp, tracks, "", ""});
  }
  void local_candidate(const std::string&, const std::string& peer_id, PeerConnection, unsigned,
                       const std::string&) override {
    sent.push_back({peer_id, "candidate", "", {}, "", ""});
  }
  void active_speaker(const std::string&, const std::string&) override {}
  void media_failed(const std::string&, const std::string& peer_id, const Refusal& failure,
                    const std::string& request_id) override {
    sent.push_back({peer_id, "error", "", {}, failure.code, request_id});
  }

  // What was sent to `peer_id` of `type`, oldest first.
  std::vector<const Sent*> of_type(const std::string& peer_id, const std::string& type) {
    std::vector<const Sent*> out;
    for (auto& s : sent)
      if (s.peer_id == peer_id && s.type == type) out.push_back(&s);
    return out;
  }
  std::vector<Sent> sent;
  RoomMediaListener consumers;
};

// How long a step may take: generous, because a webrtcbin's first offer waits
// for its DTLS certificate, generated in software, and the machine may be busy.
constexpr int kPatienceMs = 20000;

using testing::loop_until;

MediaPeer peer(const std::string& id) {
  MediaPeer p;
  p.peer_id = id;
  p.user_id = "u-" + id;
  p.username = id;
  return p;
}

size_t media_count(const std::string& sdp) {
  GstSDPMessage* msg = nullptr;
  if (gst_sdp_message_new_from_text(sdp.c_str(), &msg) != GST_SDP_OK) return 0;
  size_t n = gst_sdp_message_medias_len(msg);
  gst_sdp_message_free(msg);
  return n;
}

class SubscriberNegotiation : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_THROW(MediaModule::register_elements(settings_));
    settings_.ice_addresses = {"127.0.0.1"};  // gather on loopback only; nothing is ever sent
    settings_.answer_timeout_sec = 1;
    room_ = std::make_unique<MediaRoom>("room", settings_, owner_, owner_.consumers);
    room_->add_participant(peer("alice"));
    room_->add_participant(peer("bob"));
  }
  void TearDown() override {
    room_.reset();
    while (g_main_context_iteration(nullptr, FALSE)) {
    }
  }
  // A track of alice's: a bare tee standing in for her webrtcbin's stream.
  void publish(const std::string& mid, const std::string& kind) {
    GstElement* tee = gst_element_factory_make("tee", nullptr);
    g_object_set(tee, "allow-not-linked", TRUE, nullptr);
    gst_bin_add(room_->bin(), tee);
    gst_element_sync_state_with_parent(tee);
    TrackInfo t;
    t.id = "alice/" + mid;
    t.room_id = "room";
    t.peer_id = "alice";
    t.kind = kind;
    t.source = kind == "audio" ? "microphone" : "camera";
    room_->add_publication(t, tee, kind == "audio" ? "OPUS" : "VP8");
  }
  std::vector<const FakeOwner::Sent*> offers() { return owner_.of_type("bob", "subscribe-offer"); }
  bool offers_reach(size_t n) {
    return loop_until(kPatienceMs, [&] { return offers().size() >= n; });
  }
  static std::string sdp_of(const FakeOwner::Sent* offer) { return offer->sdp; }
  static std::vector<std::string> tracks_of(const FakeOwner::Sent* offer) {
    std::vector<std::string> out;
    for (const OfferedTrack& t : offer->tracks) out.push_back(t.mid + ":" + t.peer_id + "/" + t.source);
    return out;
  }
  const Subscriber* bob() {
    for (const Subscriber* s : room_->subscribers())
      if (s->peer_id() == "bob") return s;
    return nullptr;
  }

  MediaSettings settings_;
  FakeOwner owner_;
  std::unique_ptr<MediaRoom> room_;
  testing::LocalPeer client_;  // bob's browser, reduced to the SDP it answers with
};

TEST_F(SubscriberNegotiation, OffersWhatThereIsAndLinksItOnceAnswered) {
  EXPECT_THROW(room_->subscribe_answer("bob", "v=0"), Refusal) << "nothing to answer yet";
  publish("0", "audio");
  publish("1", "video");
  ASSERT_TRUE(offers_reach(1));
  const FakeOwner::Sent* offer = offers()[0];
  EXPECT_EQ(media_count(sdp_of(offer)), 2u);
  ASSERT_EQ(tracks_of(offer).size(), 2u);
  EXPECT_TRUE(owner_.of_type("alice", "subscribe-offer").empty()) << "alice is not offered her own tracks";
  ASSERT_NE(bob(), nullptr);
  EXPECT_EQ(bob()->active_tracks(), 0u) << "nothing flows before the answer";

  std::string answer = client_.answer(sdp_of(offer));
  ASSERT_FALSE(answer.empty());
  room_->subscribe_answer("bob", answer);
  EXPECT_TRUE(loop_until(kPatienceMs, [&] { return bob()->active_tracks() == 2; })) << "both slots are fed once answered";
  EXPECT_THROW(room_->subscribe_answer("bob", answer), Refusal) << "an answer with no offer waiting";
  EXPECT_TRUE(owner_.of_type("bob", "error").empty());
  EXPECT_EQ(offers().size(), 1u) << "the two tracks of one main-loop turn made one offer, and nothing was left over";
}

// A keyframe asked for before the subscribe connection is up would be
// dropped on the way (the forwarder sends nothing until then) and would hold
// the publication's limiter against the request that counts, made when the
// connection comes up. Nothing connects here: no request may leave.
TEST_F(SubscriberNegotiation, NoKeyframeIsAskedForBeforeTheConnectionIsUp) {
  publish("1", "video");
  ASSERT_TRUE(offers_reach(1));
  room_->subscribe_answer("bob", client_.answer(sdp_of(offers()[0])));
  ASSERT_TRUE(loop_until(kPatienceMs, [&] { return bob()->active_tracks() == 1; })) << "the slot is linked";
  Publication* video = room_->publication("alice/1");
  ASSERT_NE(video, nullptr);
  EXPECT_EQ(video->keyframe_requests_sent(), 0u);
  EXPECT_EQ(video->keyframe_requests_combined(), 0u);
}

TEST_F(SubscriberNegotiation, ASlotLeftByATrackIsReusedByTheNextOfItsKind) {
  publish("1", "video");
  ASSERT_TRUE(offers_reach(1));
  room_->subscribe_answer("bob", client_.answer(sdp_of(offers()[0])));
  ASSERT_TRUE(loop_until(kPatienceMs, [&] { return bob()->active_tracks() == 1; }));
  const std::string first_mid = tracks_of(offers()[0])[0].substr(0, tracks_of(offers()[0])[0].find(':'));

  room_->remove_publication("alice/1", false);
  ASSERT_TRUE(offers_reach(2));
  EXPECT_TRUE(tracks_of(offers()[1]).empty()) << "the slot goes quiet";
  room_->subscribe_answer("bob", client_.answer(sdp_of(offers()[1])));
  ASSERT_TRUE(loop_until(kPatienceMs, [&] { return bob()->active_tracks() == 0; }));

  publish("2", "video");
  ASSERT_TRUE(offers_reach(3));
  const FakeOwner::Sent* third = offers()[2];
  EXPECT_EQ(media_count(sdp_of(third)), 1u) << "no new m-line: the quiet slot carries the new track";
  ASSERT_EQ(tracks_of(third).size(), 1u);
  EXPECT_EQ(tracks_of(third)[0], first_mid + ":alice/camera");
  room_->subscribe_answer("bob", client_.answer(sdp_of(third)));
  EXPECT_TRUE(loop_until(kPatienceMs, [&] { return bob()->active_tracks() == 1; }));
}

TEST_F(SubscriberNegotiation, ChangesDuringAnOfferAreOfferedOnceItIsAnswered) {
  publish("0", "audio");
  ASSERT_TRUE(offers_reach(1));
  publish("1", "video");  // while the first offer waits for its answer
  loop_until(200, [] { return false; });
  EXPECT_EQ(offers().size(), 1u) << "one offer in flight at a time";
  room_->subscribe_answer("bob", client_.answer(sdp_of(offers()[0])));
  ASSERT_TRUE(offers_reach(2)) << "the change is offered next";
  EXPECT_EQ(media_count(sdp_of(offers()[1])), 2u);
  EXPECT_EQ(tracks_of(offers()[1]).size(), 2u);
}

TEST_F(SubscriberNegotiation, AnOfferNotAnsweredInTimeIsSentAgain) {
  publish("1", "video");
  ASSERT_TRUE(offers_reach(1));
  // [media] answer_timeout_sec is 1 here.
  ASSERT_TRUE(loop_until(kPatienceMs, [&] { return offers().size() >= 2; })) << "offered again after the timeout";
  EXPECT_EQ(tracks_of(offers()[1]), tracks_of(offers()[0]));
  room_->subscribe_answer("bob", client_.answer(sdp_of(offers()[1])));
  EXPECT_TRUE(loop_until(kPatienceMs, [&] { return bob()->active_tracks() == 1; }));
}

}  // namespace
}  // namespace convene::media
