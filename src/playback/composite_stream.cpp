#include "playback/composite_stream.h"

#include <gst/app/gstappsrc.h>

#include <stdexcept>

#include "media/pad_util.h"
#include "playback/playback_log.h"

#define GST_CAT_DEFAULT convene_playback_debug

namespace convene::playback {
namespace {

// Real-time encoders: no look-ahead, a keyframe at least every 2 s (a viewer
// asks for one when it connects; this bounds what a lost one costs).
std::string video_encoder(const std::string& codec, int kbps) {
  if (codec == "H264")
    return "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=60 bitrate=" + std::to_string(kbps) +
           " ! video/x-h264,profile=constrained-baseline ! rtph264pay config-interval=-1 aggregate-mode=zero-latency"
           " mtu=1200";
  return "vp8enc deadline=1 cpu-used=8 threads=2 end-usage=cbr lag-in-frames=0 keyframe-max-dist=60"
         " error-resilient=partitions target-bitrate=" +
         std::to_string(kbps * 1000) + " ! rtpvp8pay picture-id-mode=15-bit mtu=1200";
}

GstAppSrc* add_source(GstElement* pipeline, const char* name, const char* entry) {
  GstElement* src = gst_element_factory_make("appsrc", name);
  // Live, in time; buffers come stamped from the composite. A slow encoder
  // loses old buffers, never holds the composite.
  g_object_set(src, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp", FALSE, "max-bytes",
               static_cast<guint64>(16 * 1024 * 1024), "block", FALSE, nullptr);
  gst_util_set_object_arg(G_OBJECT(src), "leaky-type", "downstream");
  gst_bin_add(GST_BIN(pipeline), src);
  g_autoptr(GstElement) first = gst_bin_get_by_name(GST_BIN(pipeline), entry);
  if (!first || !gst_element_link(src, first)) throw std::runtime_error(std::string("cannot feed ") + entry);
  return GST_APP_SRC(src);
}

}  // namespace

CompositeStream::CompositeStream(const std::string& room_id, const std::string& video_codec, int video_kbps,
                                 ErrorFn on_error)
    : room_id_(room_id), name_("whep-" + room_id), on_error_(std::move(on_error)) {
  // The queue after the payloader: encoding runs on the appsrc's thread,
  // sending to the viewers (SRTP, UDP) on the queue's.
  const std::string description =
      "queue name=video-entry max-size-buffers=0 max-size-bytes=0 max-size-time=1000000000 leaky=downstream"
      " ! videoconvert ! " + video_encoder(video_codec, video_kbps) +
      " ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=500000000 leaky=downstream"
      " ! tee name=video-tee allow-not-linked=true "
      "queue name=audio-entry max-size-buffers=0 max-size-bytes=0 max-size-time=1000000000 leaky=downstream"
      " ! audioconvert ! audioresample ! audio/x-raw,rate=48000,channels=2 ! opusenc bitrate=64000"
      " ! rtpopuspay ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=500000000 leaky=downstream"
      " ! tee name=audio-tee allow-not-linked=true";
  GError* error = nullptr;
  GstElement* bin = gst_parse_launch_full(description.c_str(), nullptr, GST_PARSE_FLAG_FATAL_ERRORS, &error);
  if (!bin) {
    std::string message = error ? error->message : "unknown error";
    g_clear_error(&error);
    throw std::runtime_error("the WHEP encoder pipeline: " + message);
  }
  g_clear_error(&error);
  pipeline_.reset(GST_ELEMENT(gst_object_ref_sink(bin)));
  gst_object_set_name(GST_OBJECT(bin), name_.c_str());
  video_ = add_source(bin, "video-in", "video-entry");
  audio_ = add_source(bin, "audio-in", "audio-entry");
  video_tee_ = gst_bin_get_by_name(GST_BIN(bin), "video-tee");
  audio_tee_ = gst_bin_get_by_name(GST_BIN(bin), "audio-tee");
  gst_object_unref(video_tee_);  // the pipeline keeps them
  gst_object_unref(audio_tee_);
  g_autoptr(GstBus) bus = gst_element_get_bus(bin);
  gst_bus_add_watch(bus, on_bus, this);
}

CompositeStream::~CompositeStream() {
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline_.get());
  gst_bus_remove_watch(bus);
  gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
  GST_INFO("%s: stopped", name_.c_str());
}

void CompositeStream::start() {
  if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    throw std::runtime_error("the WHEP encoder pipeline did not start");
  GST_INFO("%s: encoding the composite for WHEP viewers", name_.c_str());
}

std::vector<ViewerSource> CompositeStream::sources() const {
  auto from = [](GstElement* tee) {
    return [tee]() -> GstPad* { return gst_element_request_pad_simple(tee, "src_%u"); };
  };
  // The forwarders ask the encoder for keyframes themselves (upstream events through the tee).
  return {ViewerSource{"video", from(video_tee_), nullptr}, ViewerSource{"audio", from(audio_tee_), nullptr}};
}

gboolean CompositeStream::on_bus(GstBus*, GstMessage* message, gpointer data) {
  auto* self = static_cast<CompositeStream*>(data);
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ERROR: {
      g_autoptr(GError) err = nullptr;
      g_autofree char* debug = nullptr;
      gst_message_parse_error(message, &err, &debug);
      // Which viewer's webrtcbin (named "whep-view-...") it came from, if any.
      std::string viewer;
      for (GstObject* o = GST_MESSAGE_SRC(message); o; o = GST_OBJECT_PARENT(o)) {
        const char* n = GST_OBJECT_NAME(o);
        if (n && g_str_has_prefix(n, "whep-view-")) viewer = n;
      }
      GST_WARNING("%s: error from %s: %s (%s)", self->name_.c_str(), GST_MESSAGE_SRC_NAME(message), err->message,
                  debug ? debug : "");
      if (self->on_error_) self->on_error_(viewer, err->message);  // may destroy self
      break;
    }
    case GST_MESSAGE_LATENCY:
      gst_bin_recalculate_latency(GST_BIN(self->pipeline_.get()));
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

}  // namespace convene::playback
