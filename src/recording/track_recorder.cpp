// Threads: see track_recorder.h.
#include "recording/track_recorder.h"

#include <algorithm>
#include <stdexcept>

#include "recording/tap.h"
#include "util/log.h"

#define GST_CAT_DEFAULT convene_recording_debug

namespace convene::recording {
namespace {

// The track's codec, asked of the tee (its upstream caps are fixed once published).
std::string codec_of(GstPad* pad, const std::string& kind) {
  g_autoptr(GstCaps) caps = gst_pad_query_caps(pad, nullptr);
  std::string enc;
  if (caps && !gst_caps_is_empty(caps) && !gst_caps_is_any(caps)) {
    const char* e = gst_structure_get_string(gst_caps_get_structure(caps, 0), "encoding-name");
    if (e) enc = e;
  }
  std::transform(enc.begin(), enc.end(), enc.begin(), ::toupper);
  if (enc == "VP8" || enc == "H264" || enc == "OPUS") return enc;
  return kind == "audio" ? "OPUS" : "VP8";
}

}  // namespace

TrackRecorder::TrackRecorder(media::RoomMedia& media, media::TrackInfo track, std::string path)
    : media_(&media), track_(std::move(track)), path_(std::move(path)) {
  GstElement* room_pipeline = GST_ELEMENT(media.pipeline());
  room_pad_.reset(media.request_track_pad(track_.id));
  if (!room_pad_ || !room_pipeline) throw std::runtime_error("no such track " + track_.id);
  codec_ = codec_of(room_pad_.get(), track_.kind);
  std::string chain = codec_ == "VP8"    ? "rtpvp8depay wait-for-keyframe=true"
                      : codec_ == "H264" ? "rtph264depay ! h264parse"
                                         : "rtpopusdepay";
  std::string desc = "appsrc name=in is-live=true format=time ! " + chain +
                     " ! matroskamux min-cluster-duration=500000000 max-cluster-duration=1000000000"
                     " ! filesink buffer-mode=unbuffered location=\"" + path_ + "\"";
  g_autoptr(GError) err = nullptr;
  GstElement* p = gst_parse_launch(desc.c_str(), &err);
  if (!p || err) {
    if (p) gst_object_unref(p);
    throw std::runtime_error(std::string("per-track pipeline: ") + (err ? err->message : "does not parse"));
  }
  pipeline_.reset(GST_ELEMENT(gst_object_ref_sink(p)));
  g_autoptr(GstElement) src = gst_bin_get_by_name(GST_BIN(pipeline_.get()), "in");
  gst_util_set_object_arg(G_OBJECT(src), "leaky-type", "downstream");
  g_object_set(src, "max-bytes", static_cast<guint64>(4 << 20), "block", FALSE, nullptr);
  if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    media.release_track_pad(track_.id, room_pad_.get());
    throw std::runtime_error("the per-track pipeline did not start");
  }
  auto* feed = new Feed();
  feed->dst.reset(GST_APP_SRC(gst_object_ref(src)));
  feed->timebase.reset(GST_ELEMENT(gst_object_ref(pipeline_.get())));
  auto tap = add_tap(GST_BIN(room_pipeline), feed);
  room_queue_ = std::move(tap.first);
  room_sink_ = std::move(tap.second);
  g_autoptr(GstPad) queue_sink = gst_element_get_static_pad(room_queue_.get(), "sink");
  gst_pad_link(room_pad_.get(), queue_sink);
  if (track_.kind == "video") media.request_keyframe(track_.id);
  GST_INFO("track %s (%s) recorded as it is to %s", track_.id.c_str(), codec_.c_str(), path_.c_str());
}

void TrackRecorder::release_room_side() {
  if (room_pad_ && media_) media_->release_track_pad(track_.id, room_pad_.get());
  room_pad_.reset();
  GstElement* room_pipeline = media_ ? GST_ELEMENT(media_->pipeline()) : nullptr;
  take_out(room_pipeline ? GST_BIN(room_pipeline) : nullptr, {&room_queue_, &room_sink_});
  media_ = nullptr;
}

TrackRecorder::~TrackRecorder() {
  release_room_side();
  pipeline_.reset();  // to NULL: Matroska needs no trailer to play
}

}  // namespace convene::recording
