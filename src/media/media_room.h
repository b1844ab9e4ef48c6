// One room's media: the GstPipeline every participant's webrtcbins, tees and
// forwarding branches live in, the participants, the published tracks, and
// which subscriber gets which track. Created with the room's first SFU peer
// and destroyed (pipeline to NULL, everything released) with its last.
//
// Threads: main loop only. The pipeline's bus is watched on the main
// context; GStreamer threads reach this object only through posts that look
// it up again (see main_thread.h).
#pragma once

#include <gst/gst.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "media/active_speaker.h"
#include "media/latency_histogram.h"
#include "media/main_thread.h"
#include "media/media_settings.h"
#include "media/publication.h"
#include "media/room_media.h"
#include "media/sfu.h"
#include "media/webrtc_endpoint.h"
#include "util/gobject_ptr.h"
#include "util/gst_object_ptr.h"

namespace convene::media {

class LocalPublisher;
class Publisher;
class Subscriber;

struct Participant {
  MediaPeer peer;
  std::map<std::string, bool> muted;       // source -> muted (also before it is published)
  std::unique_ptr<Publisher> publisher;    // once the peer sent a publish-offer
  std::unique_ptr<LocalPublisher> local;   // once the server fed it a track (Sfu::publish_local)
  std::unique_ptr<Subscriber> subscriber;  // once there is something to receive
  // What its tiles need of others' video, by "<peerId>/<source>" (track-settings).
  std::map<std::string, TrackSettings> track_settings;
  // The layers-wanted last sent for each of its layered sources.
  std::map<std::string, std::vector<std::string>> layers_sent;
  bool resend_layers = false;  // send them even if unchanged (after a publish answer)
  Participant();
  ~Participant();
};

class MediaRoom final : public RoomMedia {
 public:
  // `peers` hears what concerns each peer; `consumers` hears about tracks
  // (both fan out to whoever registered with the owner).
  MediaRoom(std::string room_id, const MediaSettings& settings, PeerMediaListener& peers,
            RoomMediaListener& consumers);
  ~MediaRoom() override;
  MediaRoom(const MediaRoom&) = delete;
  MediaRoom& operator=(const MediaRoom&) = delete;

  void add_participant(const MediaPeer& peer);
  void remove_participant(const std::string& peer_id);
  bool empty() const { return participants_.empty(); }
  Participant* participant(const std::string& peer_id);

  // --- From a peer (see Sfu; throw Refusal on what is wrong at once)
  void publish_offer(const std::string& peer_id, const std::string& sdp,
                     const std::map<std::string, PublishedTrack>& tracks, const std::string& request_id = "");
  // Tracks of one layer each (mid -> source).
  void publish_offer(const std::string& peer_id, const std::string& sdp, const std::map<std::string, std::string>& sources,
                     const std::string& request_id = "");
  // What `peer_id`'s tile of another peer's video needs (Sfu::track_settings).
  void track_settings(const std::string& peer_id, const TrackSettings& settings);
  void subscribe_answer(const std::string& peer_id, const std::string& sdp, const std::string& request_id = "");
  std::shared_ptr<LocalTrackInput> publish_local(const std::string& peer_id, const LocalTrack& track);
  void remote_candidate(const std::string& peer_id, PeerConnection pc, unsigned mline, const std::string& candidate);
  void set_muted(const std::string& peer_id, const std::string& source, bool muted);
  // false: the peer's publish connection and publications end now.
  void set_can_publish(const std::string& peer_id, bool can_publish);

  // --- From the publish connections
  // `layer` >= 0: the first arrived layer of a layered source that declared `declared_layers`.
  // `audio_level_id`: the audio-level header extension its packets carry (0: none; see Publication).
  void add_publication(const TrackInfo& info, GstElement* tee, const std::string& encoding_name, int layer = -1,
                       unsigned declared_layers = 0, int audio_level_id = 0);
  // Another layer of a layered publication arrived.
  void add_layer(const std::string& track_id, int layer, GstElement* tee);
  // The peer's publish connection answered an offer: its layers-wanted go out again.
  void publish_answered(const std::string& peer_id);
  // The peer's publish connection did not connect in time: it is freed (with
  // whatever it published) and the peer gets an error naming its offer.
  void publisher_not_connected(const std::string& peer_id, const std::string& request_id);
  // tee_stopped: its publisher is gone and nothing flows, so unlink at once.
  void remove_publication(const std::string& track_id, bool tee_stopped, bool refresh = true);
  Publication* publication(const std::string& track_id);

  // --- Per-viewer quality
  // What `viewer` asked for of `publisher`'s `source` (nullptr: nothing yet).
  const TrackSettings* settings_of(const std::string& viewer, const std::string& publisher,
                                   const std::string& source) const;
  const std::string& active_speaker() const { return active_speaker_; }
  // Something that decides which layers are needed changed: layers-wanted
  // are recomputed (once, after the current main-loop turn).
  void layers_changed();

  // --- To peers (through the listener)
  PeerMediaListener& peers() { return peers_; }
  // A failure about `peer_id` that came after its request returned.
  void fail(const std::string& peer_id, const std::string& code, const std::string& message,
            const std::string& request_id = "");
  // Trickles a connection's local candidates to its peer.
  WebRtcEndpoint::CandidateFn trickle_to(const std::string& peer_id, PeerConnection pc);
  const MediaSettings& settings() const { return settings_; }
  GstBin* bin() { return GST_BIN(pipeline_.get()); }
  // Time packets spend in the SFU (filled by every subscriber's probes).
  const std::shared_ptr<LatencyHistogram>& latency() const { return latency_; }

  // --- RoomMedia
  const std::string& room_id() const override { return room_id_; }
  GstPipeline* pipeline() override { return GST_PIPELINE(pipeline_.get()); }
  std::vector<TrackInfo> tracks() const override;
  // Packets received per published track, by track id.
  std::map<std::string, uint64_t> packets_received() const;
  // Keyframe requests that reached each published video track's publisher
  // (after combining), by track id.
  std::map<std::string, uint64_t> keyframe_requests_sent() const;
  // Their sum over what `peer_id` publishes.
  uint64_t packets_received_from(const std::string& peer_id) const;
  // Where each audio track's loudness comes from ("header" or "decoder"), by track id.
  std::map<std::string, std::string> level_sources() const;
  // Every subscriber that has one, by peer id: what it receives and at
  // which quality.
  std::vector<const Subscriber*> subscribers() const;
  GstPad* request_track_pad(const std::string& track_id) override;
  void release_track_pad(const std::string& track_id, GstPad* pad) override;
  void request_keyframe(const std::string& track_id) override;

  // Counters for tests and benchmarks.
  struct Stats {
    size_t participants = 0;
    size_t publications = 0;
    size_t subscriber_tracks = 0;
    uint64_t packets_forwarded = 0;
  };
  Stats stats() const;
  // Everything in the pipeline, recursively. It walks the whole pipeline, so
  // it is kept out of stats(), which the metrics read at every scrape.
  size_t element_count() const;

 private:
  // Gives every subscriber exactly the tracks it should receive now
  // (all but its own, and but `leaving`).
  void refresh_subscriptions(const std::string& leaving = "");
  // Stops the peer's publisher and ends its publications (it stays a subscriber).
  void end_publishing(Participant& p);
  void on_bus_message(GstMessage* message);
  // Loudness readings, decoded (a level element's message) or from the
  // header extension (taken by a timer every 100 ms while a publication
  // reads it); both end in level_reading.
  void on_level(const GstStructure* s, GstObject* src);
  void take_header_levels();
  void level_reading(const Publication& pub, double level_db);
  void send_layers_wanted();
  const Participant* owner_of(GstObject* src) const;

  std::string room_id_;
  const MediaSettings& settings_;
  PeerMediaListener& peers_;
  RoomMediaListener& consumers_;
  GstObjectPtr<GstElement> pipeline_;  // released at the end of ~MediaRoom
  guint bus_watch_ = 0;
  std::map<std::string, std::unique_ptr<Participant>> participants_;      // by peer id
  std::map<std::string, std::unique_ptr<Publication>> publications_;      // by track id
  std::map<unsigned, std::string> level_tracks_;                          // level serial -> track id
  unsigned next_serial_ = 1;
  ActiveSpeakerDetector speakers_;
  std::string active_speaker_;
  bool closing_ = false;
  std::shared_ptr<LatencyHistogram> latency_ = std::make_shared<LatencyHistogram>();
  std::map<std::string, int> consumer_pads_;  // track id -> pads consumers (recording, WHEP) hold
  GSourcePtr layers_soon_;
  GSourcePtr header_levels_tick_;
  MainThreadHandle<MediaRoom> handle_{this};
};

}  // namespace convene::media
