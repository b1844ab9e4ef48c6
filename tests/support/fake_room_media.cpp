#include "fake_room_media.h"

#include <gst/video/video-event.h>

#include "media_files.h"

namespace convene::testing {

FakeRoomMedia::FakeRoomMedia(std::string room_id, ListenerList<media::RoomMediaListener*>* listeners)
    : room_id_(std::move(room_id)), listeners_(listeners) {
  pipeline_ = GST_ELEMENT(gst_object_ref_sink(gst_pipeline_new(("room-" + room_id_).c_str())));
  gst_element_set_state(pipeline_, GST_STATE_PLAYING);
}

FakeRoomMedia::~FakeRoomMedia() {
  gst_element_set_state(pipeline_, GST_STATE_NULL);
  gst_object_unref(pipeline_);
}

void FakeRoomMedia::add_participant(const std::string& peer_id, const std::string& username, size_t colour) {
  g_autofree char* video = g_strdup_printf(
      "videotestsrc is-live=true pattern=solid-color foreground-color=%u ! "
      "video/x-raw,width=320,height=180,framerate=15/1 ! vp8enc deadline=1 keyframe-max-dist=30 ! "
      "rtpvp8pay ! tee name=t allow-not-linked=true",
      participant_argb(colour));
  const char* audio = "audiotestsrc is-live=true samplesperbuffer=960 volume=0.2 ! opusenc ! rtpopuspay ! tee name=t allow-not-linked=true";
  for (bool is_video : {true, false}) {
    Track t;
    t.info.id = peer_id + (is_video ? "/0" : "/1");
    t.info.room_id = room_id_;
    t.info.peer_id = peer_id;
    t.info.user_id = "user-" + peer_id;
    t.info.username = username;
    t.info.kind = is_video ? "video" : "audio";
    t.info.source = is_video ? "camera" : "microphone";
    g_autoptr(GError) err = nullptr;
    t.bin = gst_parse_bin_from_description(is_video ? video : audio, FALSE, &err);
    gst_bin_add(GST_BIN(pipeline_), t.bin);
    gst_element_sync_state_with_parent(t.bin);
    tracks_[t.info.id] = t;
    listeners_->each([&](media::RoomMediaListener* l) { l->track_added(t.info); });
  }
}

void FakeRoomMedia::remove_participant(const std::string& peer_id) {
  for (const char* suffix : {"/0", "/1"}) {
    auto it = tracks_.find(peer_id + suffix);
    if (it == tracks_.end()) continue;
    media::TrackInfo info = it->second.info;
    listeners_->each([&](media::RoomMediaListener* l) { l->track_removed(info); });
    gst_element_set_state(it->second.bin, GST_STATE_NULL);
    gst_bin_remove(GST_BIN(pipeline_), it->second.bin);
    tracks_.erase(it);
  }
}

void FakeRoomMedia::set_muted(const std::string& track_id, bool muted) {
  auto it = tracks_.find(track_id);
  if (it == tracks_.end()) return;
  it->second.info.muted = muted;
  listeners_->each([&](media::RoomMediaListener* l) { l->track_muted(it->second.info); });
}

std::vector<media::TrackInfo> FakeRoomMedia::tracks() const {
  std::vector<media::TrackInfo> out;
  for (const auto& [id, t] : tracks_) out.push_back(t.info);
  return out;
}

GstElement* FakeRoomMedia::tee_of(const std::string& track_id) const {
  auto it = tracks_.find(track_id);
  if (it == tracks_.end()) return nullptr;
  return gst_bin_get_by_name(GST_BIN(it->second.bin), "t");
}

GstPad* FakeRoomMedia::request_track_pad(const std::string& track_id) {
  g_autoptr(GstElement) tee = tee_of(track_id);
  if (!tee) return nullptr;
  // The tee is inside a bin: hand out a ghost of its new pad, as the real
  // room would hand out a pad of its pipeline.
  GstPad* tee_pad = gst_element_request_pad_simple(tee, "src_%u");
  auto it = tracks_.find(track_id);
  GstPad* ghost = gst_ghost_pad_new(nullptr, tee_pad);
  gst_object_unref(tee_pad);
  gst_pad_set_active(ghost, TRUE);
  gst_element_add_pad(it->second.bin, ghost);
  pads_out_++;
  return GST_PAD(gst_object_ref(ghost));
}

void FakeRoomMedia::release_track_pad(const std::string& track_id, GstPad* pad) {
  pads_out_--;
  auto it = tracks_.find(track_id);
  g_autoptr(GstPad) peer = gst_pad_get_peer(pad);
  if (peer) gst_pad_unlink(pad, peer);
  if (it == tracks_.end()) return;
  g_autoptr(GstPad) target = gst_ghost_pad_get_target(GST_GHOST_PAD(pad));
  gst_element_remove_pad(it->second.bin, pad);
  g_autoptr(GstElement) tee = tee_of(track_id);
  if (target && tee) gst_element_release_request_pad(tee, target);
}

void FakeRoomMedia::request_keyframe(const std::string& track_id) {
  g_autoptr(GstElement) tee = tee_of(track_id);
  if (tee) gst_element_send_event(tee, gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
}

FakeRoomMedia& FakeMediaProvider::open(const std::string& room_id) {
  auto& slot = rooms_[room_id];
  if (!slot) slot = std::make_unique<FakeRoomMedia>(room_id, &listeners_);
  return *slot;
}

void FakeMediaProvider::close(const std::string& room_id) {
  auto it = rooms_.find(room_id);
  if (it == rooms_.end()) return;
  listeners_.each([&](media::RoomMediaListener* l) { l->room_media_closing(room_id); });
  rooms_.erase(it);
}

media::RoomMedia* FakeMediaProvider::room_media(const std::string& room_id) {
  auto it = rooms_.find(room_id);
  return it == rooms_.end() ? nullptr : it->second.get();
}

}  // namespace convene::testing
