// One participant of a Janus videoroom, built like tests/support/sfu_client
// (the client the bench uses against Convene) so both servers get the same
// load: a publish webrtcbin replaying an encoded VP8 clip plus silent Opus,
// and a subscribe webrtcbin that counts depayloaded frames without decoding.
// Same webrtcbin settings (max-bundle, 50 ms jitter buffers, NACK, receiver
// reports every 100 ms). Janus's side is multistream: one subscriber handle
// for every feed the participant receives.
//
// Threads: the bench's thread drives it with pump() (HTTP requests and their
// answers on the default main context); webrtcbin's threads only queue work
// for pump() and bump atomic frame counters.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "encoded_clip.h"
#include "janus_api.h"

namespace convene::bench {

struct JanusParticipantOptions {
  std::shared_ptr<const testing::EncodedClip> camera_clip;
  std::string ice_address = "127.0.0.1";  // where this client's webrtcbins gather candidates
  int receive_latency_ms = 50;
};

class JanusParticipant {
 public:
  JanusParticipant(SoupSession* http, const std::string& api_url, JanusParticipantOptions options);
  ~JanusParticipant();

  // Blocking: creates the session and both handles.
  void connect();
  // Blocking: makes videoroom `room` (once per room, on any participant's handle).
  void create_room(guint64 room);
  // Publishes into `room`: builds the publish connection and sends
  // joinandconfigure with its offer once webrtcbin made it.
  void publish(guint64 room, const std::string& display);
  // Subscribes to every stream of these feeds on one handle (multistream).
  void subscribe(guint64 room, const std::vector<guint64>& feeds);
  void pump(int ms);

  guint64 feed_id() const { return feed_id_; }          // 0 until Janus said "joined"
  bool publish_answered() const { return publish_answered_; }
  // Janus said "webrtcup" for the publish connection: its feed can be subscribed to.
  bool publishing() const { return publishing_; }
  int video_frames() const { return video_frames_.load(); }
  int audio_buffers() const { return audio_buffers_.load(); }
  int video_tracks() const { return video_tracks_.load(); }
  gint64 first_frame_at_us() const { return first_frame_at_us_.load(); }

 private:
  GstElement* make_webrtcbin(const char* name, guint64* handle);
  void add_source(const std::string& description, const char* caps_base, bool clip);
  void on_event(JsonObject* event);
  void answer_subscribe_offer(const std::string& sdp);
  void later(std::function<void()> work);
  static void on_sub_pad(GstElement*, GstPad* pad, gpointer self);

  JanusApi api_;
  JanusParticipantOptions options_;
  guint64 pub_handle_ = 0, sub_handle_ = 0;
  guint64 room_ = 0;
  guint64 feed_id_ = 0;
  bool publish_answered_ = false;
  bool publishing_ = false;
  GstElement* pipeline_ = nullptr;
  GstElement* pub_ = nullptr;
  GstElement* sub_ = nullptr;

  std::mutex mutex_;  // guards outbox_, filled by webrtcbin's threads
  std::vector<std::function<void()>> outbox_;
  std::atomic<int> video_frames_{0};
  std::atomic<int> audio_buffers_{0};
  std::atomic<int> video_tracks_{0};
  std::atomic<gint64> first_frame_at_us_{0};
};

}  // namespace convene::bench
