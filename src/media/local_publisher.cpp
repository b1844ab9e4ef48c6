#include "media/local_publisher.h"

#include <gst/video/video-event.h>

#include "media/media_room.h"
#include "media/pad_util.h"
#include "util/log.h"
#include "util/gst_object_ptr.h"

#define GST_CAT_DEFAULT convene_media_debug

namespace convene::media {

LocalPublisher::LocalPublisher(MediaRoom& room, std::string peer_id) : room_(room), peer_id_(std::move(peer_id)) {}

void LocalPublisher::stop() {
  for (Feed& f : feeds_) {
    f.input->end();
    stop_element(f.appsrc.get());
    stop_element(f.tee.get());
  }
}

LocalPublisher::~LocalPublisher() {
  stop();
  for (Feed& f : feeds_) {
    remove_from_bin(f.appsrc.get());
    remove_from_bin(f.tee.get());
    f.appsrc.reset();
    f.tee.reset();
  }
}

std::shared_ptr<LocalTrackInput> LocalPublisher::add(const LocalTrack& track) {
  g_autoptr(GstCaps) caps = gst_caps_from_string(track.caps.c_str());
  const GstStructure* s = caps && gst_caps_is_fixed(caps) ? gst_caps_get_structure(caps, 0) : nullptr;
  const char* encoding = s && gst_structure_has_name(s, "application/x-rtp") ? gst_structure_get_string(s, "encoding-name")
                                                                             : nullptr;
  if (!encoding || (track.kind != "audio" && track.kind != "video"))
    throw Refusal("invalid_track", "a local track needs fixed RTP caps with an encoding-name and a kind: " + track.caps);

  GstElement* appsrc = gst_element_factory_make("appsrc", nullptr);
  GstElement* tee = gst_element_factory_make("tee", nullptr);
  // Live, stamped with the room's clock; never blocks its pusher: when the
  // room falls behind, the oldest packets go (a keyframe request repairs).
  g_object_set(appsrc, "caps", caps, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp", TRUE, "block", FALSE,
               "max-bytes", static_cast<guint64>(4 * 1024 * 1024), nullptr);
  gst_util_set_object_arg(G_OBJECT(appsrc), "leaky-type", "downstream");
  g_object_set(tee, "allow-not-linked", TRUE, nullptr);
  GstObjectPtr<GstElement> appsrc_ref = retain_gst(appsrc);
  GstObjectPtr<GstElement> tee_ref = retain_gst(tee);
  gst_bin_add_many(room_.bin(), appsrc, tee, nullptr);
  gst_element_link(appsrc, tee);
  gst_element_sync_state_with_parent(tee);
  gst_element_sync_state_with_parent(appsrc);

  auto input = std::make_shared<LocalTrackInput>(appsrc);
  if (track.kind == "video") {
    // A keyframe request leaving the tee (a subscriber's PLI, past the
    // publication's limiter) goes to whoever encodes the track.
    g_autoptr(GstPad) src = gst_element_get_static_pad(appsrc, "src");
    gst_pad_add_probe(
        src, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
        [](GstPad*, GstPadProbeInfo* info, gpointer data) {
          if (gst_video_event_is_force_key_unit(GST_PAD_PROBE_INFO_EVENT(info)))
            if (auto in = static_cast<std::weak_ptr<LocalTrackInput>*>(data)->lock()) in->keyframe_requested();
          return GST_PAD_PROBE_OK;
        },
        new std::weak_ptr<LocalTrackInput>(input),
        [](gpointer data) { delete static_cast<std::weak_ptr<LocalTrackInput>*>(data); });
  }
  feeds_.push_back(Feed{std::move(appsrc_ref), std::move(tee_ref), input});

  const Participant* p = room_.participant(peer_id_);
  TrackInfo t;
  t.id = peer_id_ + "/local" + std::to_string(next_++);
  t.room_id = room_.room_id();
  t.peer_id = peer_id_;
  t.user_id = p ? p->peer.user_id : "";
  t.username = p ? p->peer.username : "";
  t.source = track.source;
  t.kind = track.kind;
  room_.add_publication(t, tee, encoding);
  return input;
}

}  // namespace convene::media
