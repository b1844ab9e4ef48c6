// A participant of an SFU room written with GStreamer's webrtcbin: publishes
// test video (VP8) and audio (Opus) on a publish connection, answers the
// server's subscribe offers and decodes everything it receives, counting
// frames per remote peer and source. Used by the media tests and reusable by
// load generators.
//
// Threads: the test's thread drives it with pump(), which handles WebSocket
// messages and sends what webrtcbin's threads queued (they never touch the
// WebSocket). Frame counters are updated on streaming threads (atomics).
#pragma once

#include <gst/gst.h>

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <mutex>
#include <string>
#include <vector>

#include "encoded_clip.h"
#include "test_person.h"

namespace convene::testing {

struct SfuClientOptions {
  std::string video_pattern = "smpte";  // videotestsrc pattern
  int width = 320;
  int height = 240;
  bool video = true;
  bool audio = true;
  double volume = 0.0;  // audiotestsrc volume: 0 is silence
  bool answer_subscribe_offers = true;  // false: a peer that never answers
  bool trickle_candidates = true;       // false: ICE cannot succeed
  // Frames between the encoder's own keyframes. Like a browser, practically
  // none: every keyframe after the first comes from a request (FIR/PLI).
  int keyframe_interval = 3000;
  // The camera in three VP8 temporal layers, as browsers send with
  // scalabilityMode "L1T3", so the server can thin it per subscriber.
  bool temporal_layers = true;
  // The subscribe connection's jitter buffer. A client that should repair
  // loss needs room for a retransmission: rtpsession sends a NACK early
  // only once per regular report (here every 100 ms or so).
  int receive_latency_ms = 50;
  // Publish this clip as the camera instead of encoding test video (load
  // generators: the clients then cost next to nothing).
  std::shared_ptr<const EncodedClip> camera_clip;
  // false: count received frames after depayloading, without decoding them.
  bool decode = true;
  // What received video is depayloaded and decoded as: the room's [media]
  // video_codec ("VP8" or "H264"; this client publishes VP8 only).
  std::string video_codec = "VP8";
  // The camera as three spatial layers, as the browser client publishes it:
  // three vp8enc at 320x180, 640x360 and 1280x720 on three mids declared with
  // layer "q", "h" and "f" (`width`/`height` are then unused). 15 fps, to
  // spare the machine.
  bool camera_layers = false;
  // With camera_layers: replay these clips (q, h, f) instead of encoding (load generators).
  std::array<std::shared_ptr<const EncodedClip>, 3> camera_layer_clips;
  // Decoded frames whose mean chroma (U, V) lies within 16 of this count as
  // showing that picture (frames_showing). Tells a sender's picture from a
  // frame vp8dec made of bytes it cannot read: VP8 has no integrity check,
  // so a sealed frame behind its clear header sometimes decodes as noise.
  std::optional<std::pair<int, int>> picture_chroma;
  // Answer the server's transport-cc extension, as browsers do, so the
  // subscribe connection sends transport-cc feedback (the server's bandwidth
  // estimate). Off by default: a GStreamer 1.22 receiver that sends it puts
  // report blocks in few of its RTCP packets (the feedback goes out early,
  // and early packets carry none), which starves the receiver-report loss
  // rule other tests check.
  bool transport_cc = false;
  // As a browser does: offer the RFC 6464 audio-level header extension
  // (urn:ietf:params:rtp-hdrext:ssrc-audio-level, id kAudioLevelExtensionId)
  // on the microphone and write this level (0 loudest .. 127 silence, in
  // -dBov) into every audio packet, whatever the audio is. -1: not offered.
  int audio_level = -1;
  // The one address this client's webrtcbins gather ICE candidates on. The
  // server's own when that is not 127.0.0.1: from 127.0.0.1 to a server on
  // 10.99.0.1 (sfu-bench --against) ICE settled on ICE-TCP every time, though
  // the kernel passes UDP between the two.
  std::string ice_address = "127.0.0.1";
};

inline constexpr int kAudioLevelExtensionId = 1;

// A link that carries `kbps` and queues the rest (SfuClient::set_incoming_rate_limit).
struct RateLimitedLink {
  std::atomic<int> kbps{0};
  std::atomic<bool> used{false};  // limited once: arrivals are stamped when they leave the link
  gint64 free_at_us = 0;          // when the link has sent what it holds (the receiving thread's)
};

class SfuClient {
 public:
  SfuClient(TestPerson& person, SfuClientOptions options = {});
  ~SfuClient();

  // Builds the publish connection and sends publish-offer.
  void publish();
  // Adds a screen track (a new publish-offer on the same connection) / stops it.
  void start_screen();
  void stop_screen();
  // Drops this share of the video RTP packets arriving on the subscribe
  // connection (before SRTP and the RTP session, as a lossy network would),
  // so its receiver reports tell the server about the loss. Any time.
  void set_incoming_video_loss(int percent) { incoming_video_loss_percent_ = percent; }
  // The same for video packets the publish connection sends.
  void set_outgoing_video_loss(int percent) { outgoing_video_loss_percent_ = percent; }
  // A bottleneck on the subscribe connection's way in: RTP and RTCP arrive
  // no faster than `kbps` and wait in a queue beyond it (delayed, never
  // dropped), as on a slow link with a deep buffer. 0: no limit. Any time.
  void set_incoming_rate_limit(int kbps) {
    incoming_rate_limit_.kbps = kbps;
    if (kbps > 0) incoming_rate_limit_.used = true;
  }
  // Asks for a keyframe of every video it receives, all at once, as a
  // browser does after a loss hit all of them: a PLI each, from the
  // connection's one SSRC, in one RTCP packet. Returns how many went out.
  int request_keyframes();
  // Handles this client's WebSocket messages for `ms` milliseconds.
  void pump(int ms);
  // Sends what is queued and handles the messages already received, without
  // waiting for more: for many clients on one thread whose caller iterates
  // their shared main context (pump_as_they_arrive()). True when it did
  // anything.
  bool pump_ready();
  // Sends track-settings for `peer_id`'s `source` (what a tile of that size needs).
  void track_settings(const std::string& peer_id, const std::string& source, int width, int height,
                      bool visible = true, const std::string& request_id = "");

  // Frames decoded from `peer_id`'s track of that source (video) or audio buffers (microphone).
  int frames_from(const std::string& peer_id, const std::string& source = "camera") const;
  // RTP packets of that track that reached the depayloader (decodable or not).
  int packets_from(const std::string& peer_id, const std::string& source = "camera") const;
  // The width of the latest frame decoded from that track (0: none yet).
  int frame_width_from(const std::string& peer_id, const std::string& source = "camera") const;
  // Streams arriving on the subscribe connection whose sender has sent a
  // sender report (RTCP SR) so far, by the receiving RTP session's statistics.
  int streams_with_sender_reports() const;
  // Errors the client's own pipeline posted so far (a decoder's, say), with their text.
  int pipeline_errors(std::string* text = nullptr);
  // Of frames_from, those showing options.picture_chroma's picture.
  int frames_showing(const std::string& peer_id, const std::string& source = "camera") const;
  // Whether the latest subscribe-offer lists a track of that peer (and source, when given).
  bool offered(const std::string& peer_id, const std::string& source = "") const;
  int subscribe_offers() const { return subscribe_offers_; }
  // The requestId the latest publish-offer carried ("" before the first).
  std::string last_publish_request_id() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return last_publish_request_id_;
  }
  // The SDP of the latest publish-answer ("" before one).
  const std::string& publish_answer() const { return publish_answer_; }
  // Every ICE candidate the server sent, in order.
  const std::vector<std::string>& server_candidates() const { return server_candidates_; }
  // Peers with a track in the latest subscribe-offer.
  std::vector<std::string> offered_peers() const;
  // Messages pump() saw that were not for the media connections, in order.
  std::vector<JsonNodePtr>& others() { return others_; }
  // Milliseconds from the first subscribe-answer sent to the first decoded frame (-1: none yet).
  double first_frame_ms() const { return first_frame_ms_.load(); }
  // When the first frame was decoded (g_get_monotonic_time(), 0: not yet).
  gint64 first_frame_at_us() const { return first_frame_at_us_.load(); }
  // When the first subscribe-offer was read, and when its answer was sent
  // (g_get_monotonic_time(), 0: not yet).
  gint64 offered_at_us() const { return offered_us_.load(); }
  gint64 answered_at_us() const { return answered_us_.load(); }
  TestPerson& person() { return person_; }
  // "mid=peer/source count (base)" for every offered track, for failure messages.
  std::string describe() const;

 private:
  struct Counter {
    std::atomic<int> count{0};    // decoded frames (video) or buffers (audio)
    std::atomic<int> packets{0};  // RTP packets that reached the depayloader
    std::atomic<int> width{0};    // of the latest decoded frame
    std::atomic<int> showing{0};  // decoded frames showing options.picture_chroma
  };
  struct TrackRef {
    std::string peer_id, source, kind;
    int base = 0;  // the mid's count when it started carrying this track
    int showing_base = 0;
  };
  // What `counted` of the peer's `source` tracks has grown since each track
  // started on its mid (`base`): the sum over mids. Takes the lock.
  int counted_since_start(const std::string& peer_id, const std::string& source, std::atomic<int> Counter::*counted,
                          int TrackRef::*base) const;
  GstElement* make_webrtcbin(const char* name, const char* pc);
  void simulate_receive_path(GstElement* webrtcbin);
  void simulate_send_path(GstElement* webrtcbin);
  std::atomic<int> incoming_video_loss_percent_{0};
  std::atomic<int> outgoing_video_loss_percent_{0};
  RateLimitedLink incoming_rate_limit_;
  // `preferences`: more fields for the transceiver's codec preferences (header extensions).
  void add_source(const std::string& description, const char* caps, bool temporal_layers = false,
                  const EncodedClip* clip = nullptr, const std::string& preferences = "");
  void write_audio_level(GstElement* source);
  void offer_publish();
  void on_message(JsonNode* message);
  // Sends the messages the pipelines queued (outbox_); true when there were any.
  bool send_queued();
  void on_subscribe_offer(const std::string& sdp, JsonArray* tracks);
  void queue_send(json::Object&& message);
  Counter& counter(const std::string& mid);
  static void on_sub_pad(GstElement*, GstPad* pad, gpointer self);

  TestPerson& person_;
  SfuClientOptions options_;
  GstElement* pipeline_ = nullptr;
  GstElement* pub_ = nullptr;
  GstElement* sub_ = nullptr;
  GstElement* screen_src_ = nullptr;
  GstPad* screen_pad_ = nullptr;
  std::map<std::string, std::string> pub_sources_;  // webrtcbin sink pad name -> source
  // What each publish m-line carries, in the order they were added: {source, layer}.
  std::vector<std::pair<std::string, std::string>> pub_order_;
  int pipeline_errors_ = 0;
  std::string pipeline_error_text_;
  std::vector<JsonNodePtr> others_;
  int subscribe_offers_ = 0;
  std::vector<std::string> server_candidates_;
  std::string publish_answer_;
  bool screen_on_ = false;

  mutable std::mutex mutex_;  // guards what webrtcbin's threads share with the test thread
  std::vector<std::string> outbox_;
  int publish_offers_ = 0;
  std::string last_publish_request_id_;
  std::map<std::string, std::unique_ptr<Counter>> counters_;  // by mid
  std::map<std::string, TrackRef> tracks_;                     // by mid, from the latest subscribe-offer
  std::atomic<gint64> offered_us_{0};
  std::atomic<gint64> answered_us_{0};
  std::atomic<double> first_frame_ms_{-1};
  std::atomic<gint64> first_frame_at_us_{0};
};

// Pumps every client until `done()` or `timeout_ms` passed; returns whether done.
template <class Pred>
bool pump_until(const std::vector<SfuClient*>& clients, int timeout_ms, Pred done) {
  gint64 deadline = g_get_monotonic_time() + timeout_ms * 1000LL;
  while (g_get_monotonic_time() < deadline) {
    for (SfuClient* c : clients) c->pump(10);
    if (done()) return true;
  }
  return false;
}

inline void pump_for(const std::vector<SfuClient*>& clients, int ms) {
  pump_until(clients, ms, [] { return false; });
}

// Handles every client's messages as they arrive, for `ms` milliseconds.
// The clients' WebSockets share this thread's main context, which this
// iterates; each client then handles what it has, without waiting for more.
// (Pumping each client in turn makes a message wait for a round of all the
// others: with 16 clients up to ~100 ms a signaling step. The benches time
// joins through this.)
void pump_as_they_arrive(const std::vector<std::unique_ptr<SfuClient>>& clients, int ms);

}  // namespace convene::testing
