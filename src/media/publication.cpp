#include "media/publication.h"

#include <gst/video/video-event.h>

#include "keyframe_request.h"

#include "media/pad_util.h"
#include "util/gobject_ptr.h"
#include "util/log.h"

#define GST_CAT_DEFAULT convene_media_debug

namespace convene::media {

Publication::Publication(GstBin* pipeline, TrackInfo info, GstElement* tee, std::string encoding_name,
                         unsigned serial)
    : info_(std::move(info)),
      tee_(static_cast<GstElement*>(gst_object_ref(tee))),
      encoding_name_(std::move(encoding_name)),
      serial_(serial) {
  g_autoptr(GstPad) tee_sink = gst_element_get_static_pad(tee_, "sink");
  gst_pad_add_probe(
      tee_sink, GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad*, GstPadProbeInfo*, gpointer data) {
        (*static_cast<std::shared_ptr<std::atomic<uint64_t>>*>(data))->fetch_add(1, std::memory_order_relaxed);
        return GST_PAD_PROBE_OK;
      },
      new std::shared_ptr<std::atomic<uint64_t>>(counter_),
      [](gpointer data) { delete static_cast<std::shared_ptr<std::atomic<uint64_t>>*>(data); });
  if (info_.kind == "video") {
    // Every keyframe request leaves through the tee's sink pad, whoever made
    // it: the tee passes its subscribers' on, request_keyframe() pushes its own.
    gst_pad_add_probe(
        tee_sink, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
        [](GstPad*, GstPadProbeInfo* info, gpointer data) {
          if (!gst_video_event_is_force_key_unit(GST_PAD_PROBE_INFO_EVENT(info))) return GST_PAD_PROBE_OK;
          KeyframeGate& gate = **static_cast<std::shared_ptr<KeyframeGate>*>(data);
          std::lock_guard<std::mutex> lock(gate.mutex);
          return gate.limiter.request(g_get_monotonic_time() / 1000) ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
        },
        new std::shared_ptr<KeyframeGate>(keyframes_),
        [](gpointer data) { delete static_cast<std::shared_ptr<KeyframeGate>*>(data); });
    // A combined request still owed goes out once its interval is over,
    // from the publisher's own thread as its packets pass (no timer).
    gst_pad_add_probe(
        tee_sink, GST_PAD_PROBE_TYPE_BUFFER,
        [](GstPad* pad, GstPadProbeInfo*, gpointer data) {
          KeyframeGate& gate = **static_cast<std::shared_ptr<KeyframeGate>*>(data);
          bool due;
          {
            std::lock_guard<std::mutex> lock(gate.mutex);
            due = gate.limiter.retry_due(g_get_monotonic_time() / 1000);
          }
          if (due) gst_pad_push_event(pad, convene_keyframe_request_new());  // passes the probe above
          return GST_PAD_PROBE_OK;
        },
        new std::shared_ptr<KeyframeGate>(keyframes_),
        [](gpointer data) { delete static_cast<std::shared_ptr<KeyframeGate>*>(data); });
  }
  if (info_.kind != "audio" || g_ascii_strcasecmp(encoding_name_.c_str(), "OPUS") != 0) return;
  // Loudness for active-speaker detection, from decoded audio: every client
  // gets it, whether or not it sends the RFC 6464 level extension. No queue:
  // decoding a 20 ms Opus packet takes tens of microseconds on the
  // publisher's thread, less than a thread hand-off per packet (and a thread
  // per publisher) would; the fakesink never syncs, so nothing here waits.
  g_autoptr(GError) error = nullptr;
  level_bin_ = gst_parse_bin_from_description(
      "rtpopusdepay ! opusdec plc=true ! level interval=100000000 post-messages=true ! "
      "fakesink sync=false async=false",
      TRUE, &error);
  if (!level_bin_) {
    GST_WARNING("no level meter for %s: %s", info_.id.c_str(), error ? error->message : "?");
    return;
  }
  g_autofree char* name = g_strdup_printf("level-%u", serial_);
  gst_object_set_name(GST_OBJECT(level_bin_), name);
  gst_object_ref(level_bin_);
  gst_bin_add(pipeline, level_bin_);
  // Running before it is linked: a branch still in NULL answers the tee's
  // push with FLUSHING, which travels back up and stops the publisher's
  // whole connection (its nicesrc pauses), for good.
  gst_element_sync_state_with_parent(level_bin_);
  level_pad_ = request_pad();
  g_autoptr(GstPad) sink = gst_element_get_static_pad(level_bin_, "sink");
  gst_pad_link(level_pad_, sink);
}

Publication::~Publication() {
  if (level_bin_) {
    // Cut the meter off the tee (allow-not-linked: a push racing this sees
    // NOT_LINKED and carries on), then stop it.
    if (level_pad_) {
      release_tee_pad(tee_, level_pad_);
      gst_object_unref(level_pad_);
    }
    remove_from_bin(level_bin_);
    gst_object_unref(level_bin_);
  }
  gst_object_unref(tee_);
}

GstPad* Publication::request_pad() { return gst_element_request_pad_simple(tee_, "src_%u"); }

void Publication::release_pad(GstPad* pad) {
  GstElement* tee = static_cast<GstElement*>(gst_object_ref(tee_));
  unlink_when_idle(pad, [tee, pad] {
    release_tee_pad(tee, pad);
    gst_object_unref(pad);
    gst_object_unref(tee);
  });
}

void Publication::request_keyframe() {
  if (info_.kind != "video") return;
  g_autoptr(GstPad) sink = gst_element_get_static_pad(tee_, "sink");
  gst_pad_push_event(sink, convene_keyframe_request_new());  // through the limiter's probe
}

uint64_t Publication::keyframe_requests_sent() const {
  std::lock_guard<std::mutex> lock(keyframes_->mutex);
  return keyframes_->limiter.sent();
}

uint64_t Publication::keyframe_requests_combined() const {
  std::lock_guard<std::mutex> lock(keyframes_->mutex);
  return keyframes_->limiter.combined();
}

}  // namespace convene::media
