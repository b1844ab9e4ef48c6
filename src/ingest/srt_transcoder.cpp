#include "ingest/srt_transcoder.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video-event.h>

#include <stdexcept>

#include "ingest/ingest_log.h"
#include "util/main_context.h"

#define GST_CAT_DEFAULT convene_ingest_debug

namespace convene::ingest {
namespace {

// Payload types of what goes to the room (the forwarder rewrites them per subscriber).
constexpr int kVideoPt = 96;
constexpr int kAudioPt = 111;

// Leaky queues: a decoder or encoder falling behind drops old data rather
// than blocking the demuxer (live input: late is useless).
constexpr const char* kQueue = "queue max-size-buffers=0 max-size-bytes=0 max-size-time=1000000000 leaky=downstream";

std::string video_branch(const std::string& codec) {
  std::string in = std::string(kQueue) + " ! h264parse ! ";
  std::string out = " ! appsink name=sink sync=false async=false max-buffers=200 drop=true";
  if (codec == "H264")
    return in + "video/x-h264,stream-format=byte-stream,alignment=au ! rtph264pay pt=" + std::to_string(kVideoPt) +
           " config-interval=-1 aggregate-mode=zero-latency mtu=1200" + out;
  // Realtime VP8, as browsers encode it: no look-ahead, constant bitrate,
  // a keyframe at least every 2 s (more on request: set_output).
  return in + "avdec_h264 ! videoconvert ! "
              "vp8enc deadline=1 cpu-used=8 lag-in-frames=0 end-usage=cbr target-bitrate=2000000 "
              "keyframe-max-dist=60 error-resilient=default threads=2 buffer-size=1000 buffer-initial-size=500 "
              "buffer-optimal-size=600 max-quantizer=56 ! rtpvp8pay pt=" +
         std::to_string(kVideoPt) + " picture-id-mode=15-bit mtu=1200" + out;
}

std::string audio_branch() {
  return std::string(kQueue) +
         " ! aacparse ! avdec_aac ! audioconvert ! audioresample ! audio/x-raw,rate=48000,channels=2 ! "
         "opusenc bitrate=96000 frame-size=20 ! rtpopuspay pt=" +
         std::to_string(kAudioPt) + " mtu=1200 ! appsink name=sink sync=false async=false max-buffers=200 drop=true";
}

}  // namespace

SrtTranscoder::SrtTranscoder(const std::string& name, std::string video_codec, TrackFn on_track, ErrorFn on_error)
    : video_codec_(std::move(video_codec)), on_track_(std::move(on_track)), on_error_(std::move(on_error)) {
  pipeline_ = gst_pipeline_new(name.c_str());
  gst_object_ref_sink(pipeline_);
  appsrc_ = gst_element_factory_make("appsrc", "ts");
  GstElement* demux = gst_element_factory_make("tsdemux", "demux");
  if (!appsrc_ || !demux) {
    if (appsrc_) gst_object_unref(gst_object_ref_sink(appsrc_));
    if (demux) gst_object_unref(gst_object_ref_sink(demux));
    gst_object_unref(pipeline_);
    throw std::runtime_error("appsrc or tsdemux is missing (gstreamer1.0-plugins-base/-bad)");
  }
  g_autoptr(GstCaps) caps = gst_caps_from_string("video/mpegts,systemstream=true,packetsize=188");
  // Never blocks the SRT thread: when the pipeline is far behind (8 MB, some
  // seconds of a 10 Mbit/s stream) the oldest data goes.
  g_object_set(appsrc_, "caps", caps, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp", TRUE, "block",
               FALSE, "max-bytes", static_cast<guint64>(8 * 1024 * 1024), nullptr);
  gst_util_set_object_arg(G_OBJECT(appsrc_), "leaky-type", "downstream");
  gst_object_ref(appsrc_);
  gst_bin_add_many(GST_BIN(pipeline_), appsrc_, demux, nullptr);
  gst_element_link(appsrc_, demux);
  g_signal_connect(demux, "pad-added", G_CALLBACK(on_pad_added), this);

  g_autoptr(GstBus) bus = gst_pipeline_get_bus(GST_PIPELINE(pipeline_));
  auto* weak = new std::weak_ptr<SrtTranscoder*>(alive_);
  bus_watch_ = gst_bus_add_watch_full(
      bus, G_PRIORITY_DEFAULT,
      [](GstBus*, GstMessage* message, gpointer data) -> gboolean {
        if (GST_MESSAGE_TYPE(message) != GST_MESSAGE_ERROR) return G_SOURCE_CONTINUE;
        auto self = static_cast<std::weak_ptr<SrtTranscoder*>*>(data)->lock();
        if (!self) return G_SOURCE_CONTINUE;
        g_autoptr(GError) error = nullptr;
        g_autofree char* debug = nullptr;
        gst_message_parse_error(message, &error, &debug);
        GST_WARNING("SRT transcoder: %s: %s (%s)", GST_MESSAGE_SRC_NAME(message), error->message, debug ? debug : "");
        (*self)->on_error_(error->message);  // may destroy the transcoder
        return G_SOURCE_CONTINUE;
      },
      weak, [](gpointer data) { delete static_cast<std::weak_ptr<SrtTranscoder*>*>(data); });
  if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_source_remove(bus_watch_);
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    gst_object_unref(appsrc_);
    gst_object_unref(pipeline_);
    throw std::runtime_error("the SRT transcoding pipeline would not start");
  }
}

SrtTranscoder::~SrtTranscoder() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [kind, out] : outputs_) out->on_keyframe_request(nullptr);
    outputs_.clear();
  }
  g_source_remove(bus_watch_);
  gst_element_set_state(pipeline_, GST_STATE_NULL);
  gst_object_unref(appsrc_);
  gst_object_unref(pipeline_);
}

void SrtTranscoder::push(const uint8_t* data, size_t size) {
  GstBuffer* buffer = gst_buffer_new_memdup(data, size);
  gst_app_src_push_buffer(GST_APP_SRC(appsrc_), buffer);  // FLUSHING once stopping: nothing to do
}

media::LocalTrack SrtTranscoder::track(const std::string& kind) const {
  if (kind == "audio")
    return {"microphone", "audio",
            "application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload=" + std::to_string(kAudioPt)};
  return {"camera", "video",
          "application/x-rtp,media=video,encoding-name=" + video_codec_ + ",clock-rate=90000,payload=" +
              std::to_string(kVideoPt)};
}

void SrtTranscoder::set_output(const std::string& kind, std::shared_ptr<media::LocalTrackInput> output) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (kind == "video") {
    auto sink = sinks_.find("video");
    if (sink != sinks_.end()) {
      // A subscriber's keyframe request becomes one from the encoder (VP8),
      // or reaches h264parse and stops there (H.264 as sent: the encoder's
      // own keyframe interval rules).
      std::shared_ptr<GstElement> appsink(static_cast<GstElement*>(gst_object_ref(sink->second)),
                                          [](GstElement* e) { gst_object_unref(e); });
      output->on_keyframe_request([appsink] {
        gst_element_send_event(appsink.get(), gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
      });
    }
  }
  outputs_[kind] = std::move(output);
}

void SrtTranscoder::on_pad_added(GstElement*, GstPad* pad, gpointer data) {
  auto* self = static_cast<SrtTranscoder*>(data);
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad) ?: gst_pad_query_caps(pad, nullptr);
  const GstStructure* s = caps && !gst_caps_is_empty(caps) ? gst_caps_get_structure(caps, 0) : nullptr;
  std::string kind;
  if (s && gst_structure_has_name(s, "video/x-h264")) kind = "video";
  int mpegversion = 0;
  if (s && gst_structure_has_name(s, "audio/mpeg") && gst_structure_get_int(s, "mpegversion", &mpegversion) &&
      (mpegversion == 2 || mpegversion == 4))
    kind = "audio";
  if (kind.empty()) {
    GST_INFO("SRT: stream %s ignored (%s): only H.264 and AAC are taken", GST_PAD_NAME(pad),
             s ? gst_structure_get_name(s) : "no caps");
    return;
  }
  self->add_branch(pad, kind);
}

// On the demuxer's streaming thread: the branch is linked before the pad's first buffer.
void SrtTranscoder::add_branch(GstPad* pad, const std::string& kind) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (branches_[kind]) {
      GST_INFO("SRT: a second %s stream (%s) is ignored", kind.c_str(), GST_PAD_NAME(pad));
      return;
    }
    branches_[kind] = true;
  }
  g_autoptr(GError) error = nullptr;
  std::string description = kind == "video" ? video_branch(video_codec_) : audio_branch();
  GstElement* branch = gst_parse_bin_from_description(description.c_str(), TRUE, &error);
  if (!branch) {
    GST_ELEMENT_ERROR(pipeline_, CORE, MISSING_PLUGIN, ("the SRT %s branch: %s", kind.c_str(), error->message),
                      (nullptr));
    return;
  }
  GstElement* sink = gst_bin_get_by_name(GST_BIN(branch), "sink");
  struct Delivery {
    SrtTranscoder* self;
    std::string kind;
  };
  GstAppSinkCallbacks callbacks{};
  callbacks.new_sample = [](GstAppSink* appsink, gpointer data) -> GstFlowReturn {
    auto* d = static_cast<Delivery*>(data);
    g_autoptr(GstSample) sample = gst_app_sink_pull_sample(appsink);
    if (sample)
      if (GstBuffer* buffer = gst_sample_get_buffer(sample)) d->self->deliver(d->kind, gst_buffer_ref(buffer));
    return GST_FLOW_OK;
  };
  gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, new Delivery{this, kind},
                             [](gpointer data) { delete static_cast<Delivery*>(data); });
  {
    std::lock_guard<std::mutex> lock(mutex_);
    sinks_[kind] = sink;  // the bin keeps it alive as long as the pipeline
  }
  gst_object_unref(sink);
  gst_bin_add(GST_BIN(pipeline_), branch);
  gst_element_sync_state_with_parent(branch);
  g_autoptr(GstPad) sink_pad = gst_element_get_static_pad(branch, "sink");
  if (gst_pad_link(pad, sink_pad) != GST_PAD_LINK_OK)
    GST_ELEMENT_ERROR(pipeline_, CORE, NEGOTIATION, ("the SRT %s stream could not be linked", kind.c_str()),
                      (nullptr));
  GST_INFO("SRT: %s stream %s → %s", kind.c_str(), GST_PAD_NAME(pad), description.c_str());
  std::weak_ptr<SrtTranscoder*> weak = alive_;
  post_to_context(g_main_context_default(), [weak, kind] {
    if (auto self = weak.lock()) (*self)->on_track_(kind);
  }, convene_ingest_debug);
}

void SrtTranscoder::deliver(const std::string& kind, GstBuffer* buffer) {
  std::shared_ptr<media::LocalTrackInput> out;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = outputs_.find(kind);
    if (it != outputs_.end()) out = it->second;
  }
  if (out) {
    out->push(buffer);
  } else {
    gst_buffer_unref(buffer);  // not published yet (or any more)
  }
}

}  // namespace convene::ingest
