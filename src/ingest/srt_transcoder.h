// What an SRT caller sends, made into tracks a room takes: MPEG-TS in
// (pushed as it arrives), RTP out through the LocalTrackInputs media handed
// over (media::Sfu::publish_local). A pipeline of its own, so a broken
// stream or a slow encoder never stops the room's pipeline:
//
//   appsrc (MPEG-TS) ! tsdemux
//     H.264 → [room codec H264] h264parse ! rtph264pay             (forwarded as sent)
//             [room codec VP8]  h264parse ! avdec_h264 ! vp8enc ! rtpvp8pay   (a browser must see it)
//     AAC   → aacparse ! avdec_aac ! opusenc ! rtpopuspay
//   each ending in an appsink whose samples go to the room.
//
// Threads: constructed, set_output() and destroyed on the main loop. push()
// from the SRT listener's thread; the demuxer's pad-added and the appsinks'
// samples on this pipeline's streaming threads (they only look up the
// output under a mutex and post to the main loop). The bus is watched on the
// main context.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "media/local_track.h"

namespace convene::ingest {

class SrtTranscoder {
 public:
  // The demuxer found a stream of this kind ("video" | "audio"); main loop.
  using TrackFn = std::function<void(const std::string& kind)>;
  // The pipeline failed (bad stream, missing element); main loop.
  using ErrorFn = std::function<void(const std::string& message)>;

  // `video_codec` is the room's ([media] video_codec: VP8 or H264).
  SrtTranscoder(const std::string& name, std::string video_codec, TrackFn on_track, ErrorFn on_error);
  ~SrtTranscoder();  // to NULL; outputs get nothing more
  SrtTranscoder(const SrtTranscoder&) = delete;
  SrtTranscoder& operator=(const SrtTranscoder&) = delete;

  // MPEG-TS bytes as received. Any thread; never blocks (drops when far behind).
  void push(const uint8_t* data, size_t size);
  // Where the RTP of `kind` goes from now on; its keyframe requests reach the video encoder.
  void set_output(const std::string& kind, std::shared_ptr<media::LocalTrackInput> output);
  // The track media publishes for `kind`: RTP caps in the room's codec.
  media::LocalTrack track(const std::string& kind) const;

 private:
  static void on_pad_added(GstElement* demux, GstPad* pad, gpointer self);
  void add_branch(GstPad* pad, const std::string& kind);
  void deliver(const std::string& kind, GstBuffer* buffer);

  std::string video_codec_;
  TrackFn on_track_;
  ErrorFn on_error_;
  GstElement* pipeline_ = nullptr;
  GstElement* appsrc_ = nullptr;  // our reference
  guint bus_watch_ = 0;
  std::mutex mutex_;
  std::map<std::string, bool> branches_;  // kinds linked so far (streaming thread)
  std::map<std::string, std::shared_ptr<media::LocalTrackInput>> outputs_;
  std::map<std::string, GstElement*> sinks_;  // kind -> its appsink (the pipeline's reference)
  // Dropped when this object goes: callbacks already posted find it gone.
  std::shared_ptr<SrtTranscoder*> alive_ = std::make_shared<SrtTranscoder*>(this);
};

}  // namespace convene::ingest
