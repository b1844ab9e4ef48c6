#include "encoded_clip.h"

#include <gst/app/gstappsink.h>
#include <gst/video/video-event.h>

#include <atomic>
#include <stdexcept>

#include "vp8_temporal_layers.h"

namespace convene::testing {

std::shared_ptr<const EncodedClip> EncodedClip::encode(const Spec& spec) {
  auto clip = std::shared_ptr<EncodedClip>(new EncodedClip());
  clip->spec_ = spec;
  std::string description = "videotestsrc num-buffers=" + std::to_string(spec.frames) + " pattern=" + spec.pattern +
                            " ! video/x-raw,width=" + std::to_string(spec.width) +
                            ",height=" + std::to_string(spec.height) + ",framerate=" + std::to_string(spec.fps) +
                            "/1 ! vp8enc name=enc deadline=1 keyframe-max-dist=100000 target-bitrate=" +
                            std::to_string(spec.bitrate) + " ! appsink name=out sync=false";
  g_autoptr(GError) error = nullptr;
  g_autoptr(GstElement) pipeline = gst_parse_launch(description.c_str(), &error);
  if (!pipeline) throw std::runtime_error(std::string("clip: ") + (error ? error->message : "no pipeline"));
  g_autoptr(GstElement) enc = gst_bin_get_by_name(GST_BIN(pipeline), "enc");
  if (spec.temporal_layers) configure_vp8_temporal_layers(enc, spec.bitrate);
  g_autoptr(GstElement) out = gst_bin_get_by_name(GST_BIN(pipeline), "out");
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  while (GstSample* sample = gst_app_sink_pull_sample(GST_APP_SINK(out))) {
    clip->frames_.push_back(gst_buffer_ref(gst_sample_get_buffer(sample)));
    gst_sample_unref(sample);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  if (clip->frames_.empty()) throw std::runtime_error("clip: the encoder produced nothing");
  return clip;
}

EncodedClip::~EncodedClip() {
  for (GstBuffer* b : frames_) gst_buffer_unref(b);
}

namespace {

struct Replay {
  const std::vector<GstBuffer*>* frames;
  GstClockTime frame_duration;
  size_t next = 0;
  guint64 pushed = 0;
  GstClockTime base = GST_CLOCK_TIME_NONE;
  std::atomic<bool> restart{false};
};

}  // namespace

void EncodedClip::play_into(GstAppSrc* appsrc) const {
  auto* replay = new Replay;
  replay->frames = &frames_;
  replay->frame_duration = GST_SECOND / spec_.fps;
  g_autoptr(GstCaps) caps = gst_caps_new_simple("video/x-vp8", "width", G_TYPE_INT, spec_.width, "height", G_TYPE_INT,
                                                spec_.height, "framerate", GST_TYPE_FRACTION, spec_.fps, 1, nullptr);
  g_object_set(appsrc, "caps", caps, "format", GST_FORMAT_TIME, "is-live", TRUE, "max-buffers", 2u, "block", FALSE,
               nullptr);
  // A keyframe request: start the loop again at its key frame.
  g_autoptr(GstPad) src = gst_element_get_static_pad(GST_ELEMENT(appsrc), "src");
  gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, [](GstPad*, GstPadProbeInfo* info, gpointer d) {
    if (gst_video_event_is_force_key_unit(GST_PAD_PROBE_INFO_EVENT(info))) static_cast<Replay*>(d)->restart = true;
    return GST_PAD_PROBE_OK;
  }, replay, nullptr);
  GstAppSrcCallbacks callbacks{};
  callbacks.need_data = [](GstAppSrc* src, guint, gpointer d) {
    auto* r = static_cast<Replay*>(d);
    if (!GST_CLOCK_TIME_IS_VALID(r->base)) {
      GstClockTime now = gst_element_get_current_running_time(GST_ELEMENT(src));
      r->base = GST_CLOCK_TIME_IS_VALID(now) ? now : 0;
    }
    if (r->restart.exchange(false) || r->next >= r->frames->size()) r->next = 0;
    GstBuffer* frame = gst_buffer_copy((*r->frames)[r->next++]);
    GST_BUFFER_PTS(frame) = r->base + r->pushed * r->frame_duration;
    GST_BUFFER_DTS(frame) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_DURATION(frame) = r->frame_duration;
    r->pushed++;
    gst_app_src_push_buffer(src, frame);
  };
  gst_app_src_set_callbacks(appsrc, &callbacks, replay, [](gpointer d) { delete static_cast<Replay*>(d); });
}

}  // namespace convene::testing
