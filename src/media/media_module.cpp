#include "media/media_module.h"

#include <stdexcept>
#include <utility>

#include "convene_ice_src.h"
#include "convene_rtp_forward.h"
#include "convene_rtp_nowait.h"
#include "convene_rtx_send.h"
#include "media/warm_up.h"
#include "util/log.h"

#define GST_CAT_DEFAULT convene_media_debug

namespace convene::media {

MediaModule::MediaModule(MediaSettings settings) : settings_(std::move(settings)) {
  if (settings_.video_codec != "VP8" && settings_.video_codec != "H264")
    throw std::runtime_error("[media] video_codec must be VP8 or H264, not '" + settings_.video_codec + "'");
  if (settings_.min_port < 0 || settings_.max_port < settings_.min_port || settings_.max_port > 65535)
    throw std::runtime_error("[media] min_port/max_port must be a range within 0..65535");
  for (const char* factory : {"webrtcbin", "rtpopusdepay", "opusdec", "level", "tee", "queue"}) {
    g_autoptr(GstElementFactory) f = gst_element_factory_find(factory);
    if (!f) throw std::runtime_error(std::string("GStreamer element '") + factory + "' is missing; install the "
                                     "gstreamer1.0-plugins-{base,good,bad} and gstreamer1.0-nice packages");
  }
  register_elements(settings_);
  warm_up_media();  // the first call then waits for no key generation
  GST_INFO("SFU ready: %s video, %s %u ms, ICE on %s", settings_.video_codec.c_str(),
           settings_.jitter_buffer ? "jitter buffers" : "no jitter buffer, NACKs for", settings_.jitter_latency_ms, settings_.ice_addresses.empty() ? "all interfaces" : "listed addresses");
}

void MediaModule::register_elements(const MediaSettings& settings) {
  const std::pair<const char*, gboolean (*)(GstPlugin*)> elements[] = {
      {"convenertpforward", convene_rtp_forward_register},
      {"convenertpnowait", convene_rtp_nowait_register},
      {"convenertxsend", convene_rtx_send_register},
      {"conveneicesrc", convene_ice_src_register},
  };
  for (auto [name, register_element] : elements) {
    g_autoptr(GstElementFactory) factory = gst_element_factory_find(name);
    if (!factory && !register_element(nullptr)) throw std::runtime_error(std::string(name) + ": registration failed");
  }
  // webrtcbin makes its ICE transports' receivers by this name.
  if (settings.receive_without_thread && !convene_ice_src_register_as("nicesrc"))
    throw std::runtime_error("conveneicesrc: registration as nicesrc failed");
}

MediaModule::~MediaModule() {
  release_all_rooms();
  finish_warm_up();
}

// Out of the map before they go: a listener told that a room's media is
// closing may ask for any room's media, and must find none half-destroyed.
void MediaModule::release_all_rooms() {
  auto rooms = std::move(rooms_);
  rooms_.clear();
  rooms.clear();
}

void MediaModule::shutdown() { release_all_rooms(); }

MediaRoom& MediaModule::room_of(const std::string& room_id) {
  auto it = rooms_.find(room_id);
  if (it == rooms_.end()) throw Refusal("not_in_room", "you are not in this room's call");
  return *it->second;
}

const MediaRoom* MediaModule::room(const std::string& room_id) const {
  auto it = rooms_.find(room_id);
  return it == rooms_.end() ? nullptr : it->second.get();
}

void MediaModule::peer_joined(const std::string& room_id, const MediaPeer& peer) {
  auto it = rooms_.find(room_id);
  if (it == rooms_.end()) {
    try {
      it = rooms_.emplace(room_id, std::make_unique<MediaRoom>(room_id, settings_, static_cast<PeerMediaListener&>(*this),
                                                               static_cast<RoomMediaListener&>(*this)))
               .first;
    } catch (const std::exception& e) {
      GST_ERROR("no media for room %s: %s", room_id.c_str(), e.what());
      media_failed(room_id, peer.peer_id, Refusal("media_failed", e.what()), "");
      return;
    }
  }
  it->second->add_participant(peer);
}

void MediaModule::peer_left(const std::string& room_id, const std::string& peer_id) {
  auto it = rooms_.find(room_id);
  if (it == rooms_.end()) return;
  it->second->remove_participant(peer_id);
  if (it->second->empty()) close_room_soon(room_id);
}

// Torn down from an idle callback, not from inside whatever call made the room empty.
void MediaModule::close_room_soon(const std::string& room_id) {
  // Through a weak handle: a module destroyed first (an in-process server in
  // a test, shut down) leaves nothing pointing at it in the main context.
  MainThreadHandle<MediaModule>::post(handle_.weak(), [room_id](MediaModule& self) {
    auto it = self.rooms_.find(room_id);
    if (it == self.rooms_.end() || !it->second->empty()) return;
    std::unique_ptr<MediaRoom> room = std::move(it->second);
    self.rooms_.erase(it);
  });
}

void MediaModule::room_closed(const std::string& room_id) {
  auto it = rooms_.find(room_id);
  if (it == rooms_.end()) return;
  std::unique_ptr<MediaRoom> room = std::move(it->second);
  rooms_.erase(it);
}

void MediaModule::publish_offer(const std::string& room_id, const std::string& peer_id, const std::string& sdp,
                                const std::map<std::string, PublishedTrack>& tracks, const std::string& request_id) {
  room_of(room_id).publish_offer(peer_id, sdp, tracks, request_id);
}

void MediaModule::track_settings(const std::string& room_id, const std::string& peer_id,
                                 const TrackSettings& settings) {
  room_of(room_id).track_settings(peer_id, settings);
}

void MediaModule::subscribe_answer(const std::string& room_id, const std::string& peer_id, const std::string& sdp,
                                   const std::string& request_id) {
  room_of(room_id).subscribe_answer(peer_id, sdp, request_id);
}

void MediaModule::remote_candidate(const std::string& room_id, const std::string& peer_id, PeerConnection pc,
                                   unsigned mline, const std::string& candidate) {
  MediaRoom& room = room_of(room_id);
  if (candidate.empty()) return;  // end of candidates: nothing to do
  room.remote_candidate(peer_id, pc, mline, candidate);
}

void MediaModule::set_muted(const std::string& room_id, const std::string& peer_id, const std::string& source,
                            bool muted) {
  if (auto it = rooms_.find(room_id); it != rooms_.end()) it->second->set_muted(peer_id, source, muted);
}

void MediaModule::set_can_publish(const std::string& room_id, const std::string& peer_id, bool can_publish) {
  if (auto it = rooms_.find(room_id); it != rooms_.end()) it->second->set_can_publish(peer_id, can_publish);
}

std::shared_ptr<LocalTrackInput> MediaModule::publish_local(const std::string& room_id, const std::string& peer_id,
                                                            const LocalTrack& track) {
  return room_of(room_id).publish_local(peer_id, track);
}

uint64_t MediaModule::packets_received(const std::string& room_id, const std::string& peer_id) const {
  const MediaRoom* r = room(room_id);
  return r ? r->packets_received_from(peer_id) : 0;
}

RoomMedia* MediaModule::room_media(const std::string& room_id) {
  auto it = rooms_.find(room_id);
  return it == rooms_.end() ? nullptr : it->second.get();
}

void MediaModule::publish_answer(const std::string& room_id, const std::string& peer_id, const std::string& sdp,
                                 const std::string& request_id) {
  peer_listeners_.each([&](PeerMediaListener* l) { l->publish_answer(room_id, peer_id, sdp, request_id); });
}
void MediaModule::subscribe_offer(const std::string& room_id, const std::string& peer_id, const std::string& sdp,
                                  const std::vector<OfferedTrack>& tracks) {
  peer_listeners_.each([&](PeerMediaListener* l) { l->subscribe_offer(room_id, peer_id, sdp, tracks); });
}
void MediaModule::local_candidate(const std::string& room_id, const std::string& peer_id, PeerConnection pc,
                                  unsigned mline, const std::string& candidate) {
  peer_listeners_.each([&](PeerMediaListener* l) { l->local_candidate(room_id, peer_id, pc, mline, candidate); });
}
void MediaModule::active_speaker(const std::string& room_id, const std::string& peer_id) {
  peer_listeners_.each([&](PeerMediaListener* l) { l->active_speaker(room_id, peer_id); });
}
void MediaModule::candidates_gathered(const std::string& room_id, const std::string& peer_id, PeerConnection pc) {
  peer_listeners_.each([&](PeerMediaListener* l) { l->candidates_gathered(room_id, peer_id, pc); });
}
void MediaModule::layers_wanted(const std::string& room_id, const std::string& peer_id, const std::string& source,
                                const std::vector<std::string>& layers) {
  peer_listeners_.each([&](PeerMediaListener* l) { l->layers_wanted(room_id, peer_id, source, layers); });
}
void MediaModule::media_failed(const std::string& room_id, const std::string& peer_id, const Refusal& failure,
                               const std::string& request_id) {
  peer_listeners_.each([&](PeerMediaListener* l) { l->media_failed(room_id, peer_id, failure, request_id); });
}

void MediaModule::track_added(const TrackInfo& track) {
  listeners_.each([&](RoomMediaListener* l) { l->track_added(track); });
}
void MediaModule::track_removed(const TrackInfo& track) {
  listeners_.each([&](RoomMediaListener* l) { l->track_removed(track); });
}
void MediaModule::track_muted(const TrackInfo& track) {
  listeners_.each([&](RoomMediaListener* l) { l->track_muted(track); });
}
void MediaModule::active_speaker_changed(const std::string& room_id, const std::string& peer_id) {
  listeners_.each([&](RoomMediaListener* l) { l->active_speaker_changed(room_id, peer_id); });
}
void MediaModule::room_media_closing(const std::string& room_id) {
  listeners_.each([&](RoomMediaListener* l) { l->room_media_closing(room_id); });
}

}  // namespace convene::media
