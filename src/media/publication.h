// One published track of a room: who sends it (peer, mid, source), the `tee`
// every subscriber branch hangs off, and for audio what measures loudness for
// active-speaker detection: the RFC 6464 audio-level header extension when
// the publisher negotiated it (read by a probe, see audio_level_reader.h),
// else a decoding level meter (depay ! opusdec ! level). A camera published as several spatial layers
// (q/h/f, each its own incoming stream) is one publication with a tee per
// layer; subscribers' forwarders take every layer and send one (see
// Subscriber), consumers (recording, WHEP) take the top layer.
//
// Keyframe requests (every subscriber's, and request_keyframe()) all pass
// one KeyframeLimiter per track on their way to the publisher.
//
// Threads: main loop only, except the tee's upstream-event probe, which runs
// on whichever subscriber's thread asks for a keyframe (the limiter is
// shared under a mutex), and the tee's buffer probes, on the publisher's
// streaming thread: counting, and reading the audio-level extension, which
// leaves a reading every 100 ms where the room's level timer takes it on the
// main loop (take_header_level) — no message and no main-loop wake-up per
// reading, unlike the level meter's bin, which posts to the room's bus. The tee is created by the publish connection on
// the streaming thread that announced the pad (it must be linked before the
// first buffer); from then on this object owns what hangs off it.
#pragma once

#include <gst/gst.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "media/keyframe_limiter.h"
#include "media/room_media.h"
#include "util/gst_object_ptr.h"

namespace convene::media {

class Publication {
 public:
  // `tee` is already in `pipeline` and linked to the publisher's webrtcbin.
  // `layer` -1: a track of one layer; 0..2: the first spatial layer of a
  // layered one, whose publisher declared `declared_layers` (bit i = layer i).
  // `audio_level_id` (audio, 1..14): the id of the audio-level header
  // extension its packets carry; 0: none, loudness is decoded.
  Publication(GstBin* pipeline, TrackInfo info, GstElement* tee, std::string encoding_name, unsigned serial,
              int layer = -1, unsigned declared_layers = 0, int audio_level_id = 0);
  ~Publication();
  Publication(const Publication&) = delete;
  Publication& operator=(const Publication&) = delete;

  const TrackInfo& info() const { return info_; }
  void set_muted(bool muted) { info_.muted = muted; }
  const std::string& encoding_name() const { return encoding_name_; }
  // The tee consumers take: the track's, or its highest layer's so far.
  GstElement* tee() const { return tee_.get(); }

  // --- Spatial layers (a layered camera)
  bool layered() const { return declared_layers_ != 0; }
  // The layers its publisher declared / whose stream has arrived (bit i = layer i).
  unsigned declared_layers() const { return declared_layers_; }
  unsigned present_layers() const;
  // A layer's stream arrived (its tee is in the pipeline, linked to the publisher).
  void add_layer(int layer, GstElement* tee);
  GstElement* layer_tee(int layer) const;
  // A new src pad of that layer's tee (a reference the caller owns), or nullptr.
  GstPad* request_layer_pad(int layer);
  // Bits per second each layer arrives at (0: not measured yet); updated at most twice a second.
  std::array<double, 3> layer_bps(int64_t now_ms);
  // Decoded loudness readings (audio only) reach the room's bus as "level"
  // messages from the bin "level-<serial>".
  unsigned serial() const { return serial_; }
  // Whether its loudness is read from the header extension: the room then
  // takes the readings with take_header_level().
  bool reads_header_level() const { return audio_level_id_ != 0; }
  // The newest header-extension reading (dBov) not taken yet, if any.
  std::optional<double> take_header_level();
  // Where its loudness comes from: "header", "decoder", or "" (video, or none).
  const char* level_source() const;

  // A new src pad of the tee (a reference the caller owns).
  GstPad* request_pad();
  // Unlinks `pad` (of any of its tees) once no buffer passes and releases it (asynchronously).
  void release_pad(GstPad* pad);
  // Asks the publisher for a keyframe (webrtcbin turns it into RTCP PLI),
  // unless one was asked for within the limiter's interval. Layered: of the top layer.
  void request_keyframe();
  // Keyframe requests passed to the publisher / combined with one already sent.
  uint64_t keyframe_requests_sent() const;
  uint64_t keyframe_requests_combined() const;
  // RTP packets received from the publisher so far.
  uint64_t packets_received() const;

 private:
  // The probes of one incoming stream's tee: counting, and every keyframe
  // request through one limiter.
  struct Feed;
  Feed& add_feed(int layer, GstElement* tee);
  // The decoding level meter, or the probe reading the header extension.
  void add_level_meter(GstBin* pipeline);
  void read_level_extension(int id);

  TrackInfo info_;
  GstObjectPtr<GstElement> tee_;  // our reference (the top layer's); the publish connection stops it
  std::string encoding_name_;
  unsigned serial_;
  GstObjectPtr<GstPad> level_pad_;      // the tee pad feeding the level meter
  GstObjectPtr<GstElement> level_bin_;  // depay ! decode ! level ! fakesink, on the publisher thread
  int audio_level_id_ = 0;           // the header extension read instead, when not 0
  // The header extension's newest reading, NaN once taken: written by the
  // probe on the publisher's thread, taken on the main loop. Shared with the
  // probe, which may outlive this object.
  std::shared_ptr<std::atomic<double>> header_level_;
  unsigned declared_layers_ = 0;
  struct KeyframeGate {
    std::mutex mutex;
    KeyframeLimiter limiter;
  };
  struct Counters {
    std::atomic<uint64_t> packets{0};
    std::atomic<uint64_t> bytes{0};
  };
  struct Feed {
    GstObjectPtr<GstElement> tee;  // our reference
    // Written by probes on the tee (a streaming thread); shared so a probe
    // that outlives this object still writes to live memory.
    std::shared_ptr<Counters> counters = std::make_shared<Counters>();
    std::shared_ptr<KeyframeGate> keyframes = std::make_shared<KeyframeGate>();
    uint64_t last_bytes = 0;  // at the last rate update
    double bps = 0;
  };
  std::map<int, Feed> feeds_;  // by layer; -1 for a track of one layer
  int64_t rates_at_ms_ = -1;
};

}  // namespace convene::media
