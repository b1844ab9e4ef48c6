// A room's composite encoded once for every WHEP viewer: a pipeline of its
// own, fed by the room's composite (src/recording: it is one of its
// outputs), encoding VP8 (or H.264, the room's codec) and Opus, payloading
// into RTP and ending in one tee per kind. Each viewer's webrtcbin lives in
// this pipeline, fed from those tees through its forwarders (viewer.h), so
// adding a viewer adds no encoder.
//
// Threads: main loop; the bus watch runs on the main loop. The appsrcs are
// pushed to from the composite's streaming threads.
#pragma once

#include <gst/gst.h>

#include <functional>
#include <string>

#include "playback/viewer.h"
#include "recording/composite_output.h"
#include "util/gobject_ptr.h"

namespace convene::playback {

class CompositeStream final : public recording::CompositeOutput {
 public:
  // An error in the pipeline: `viewer` names the viewer's element it came
  // from ("" when it is the encoding itself).
  using ErrorFn = std::function<void(const std::string& viewer, const std::string& message)>;
  // `video_codec`: VP8 or H264. Throws std::runtime_error when it cannot be built.
  CompositeStream(const std::string& room_id, const std::string& video_codec, int video_kbps, ErrorFn on_error);
  ~CompositeStream() override;  // to NULL (viewers must be gone)
  CompositeStream(const CompositeStream&) = delete;
  CompositeStream& operator=(const CompositeStream&) = delete;

  // --- recording::CompositeOutput
  const std::string& name() const override { return name_; }
  GstElement* pipeline() const override { return pipeline_.get(); }
  GstAppSrc* video() const override { return video_; }
  GstAppSrc* audio() const override { return audio_; }
  void start() override;

  GstBin* bin() const { return GST_BIN(pipeline_.get()); }
  // What a viewer plays from here.
  std::vector<ViewerSource> sources() const;
  const std::string& room_id() const { return room_id_; }

 private:
  static gboolean on_bus(GstBus* bus, GstMessage* message, gpointer self);

  std::string room_id_;
  std::string name_;
  ErrorFn on_error_;
  GObjectPtr<GstElement> pipeline_;
  GstAppSrc* video_ = nullptr;  // owned by the pipeline
  GstAppSrc* audio_ = nullptr;
  GstElement* video_tee_ = nullptr;
  GstElement* audio_tee_ = nullptr;
};

}  // namespace convene::playback
