#include "media/media_room.h"

#include <set>
#include <stdexcept>

#include "media/layer_allocation.h"
#include "media/local_publisher.h"
#include "media/media_metrics.h"
#include "media/pad_util.h"
#include "media/publisher.h"
#include "media/subscriber.h"
#include "media/webrtc_endpoint.h"
#include "util/log.h"
#include "util/gst_object_ptr.h"

#define GST_CAT_DEFAULT convene_media_debug

namespace convene::media {

namespace {

// How often header-extension loudness is taken from the publications: the
// AudioLevelReader's own interval.
constexpr guint kHeaderLevelIntervalMs = 100;

// What a publish-offer's tracks may say: a layer only on a camera, each
// layer once, and a camera either in layers or as one track.
void check_tracks(const std::map<std::string, PublishedTrack>& tracks) {
  std::set<std::string> layers;
  bool single_camera = false;
  for (const auto& [mid, t] : tracks) {
    if (t.layer.empty()) {
      single_camera |= t.source == "camera";
      continue;
    }
    if (!spatial_layer_index(t.layer)) throw Refusal("invalid_field", "'layer' must be q, h or f");
    if (t.source != "camera")
      throw Refusal("invalid_field", "only a camera is published in layers ('" + t.source + "' is one track)");
    if (!layers.insert(t.layer).second)
      throw Refusal("invalid_field", "two tracks are the camera's layer '" + t.layer + "'");
  }
  if (single_camera && !layers.empty())
    throw Refusal("invalid_field", "a camera is published either in layers or as one track, not both");
}

std::string settings_key(const std::string& peer_id, const std::string& source) { return peer_id + "/" + source; }

}  // namespace

Participant::Participant() = default;
Participant::~Participant() = default;

MediaRoom::MediaRoom(std::string room_id, const MediaSettings& settings, PeerMediaListener& peers,
                     RoomMediaListener& consumers)
    : room_id_(std::move(room_id)),
      settings_(settings),
      peers_(peers),
      consumers_(consumers),
      speakers_(settings.speaker_threshold_db) {
  pipeline_ = adopt_gst(gst_pipeline_new(("room-" + room_id_).c_str()));
  gst_object_ref_sink(pipeline_.get());  // the floating reference becomes the holder's
  // Started before anything points at `this`: a constructor that throws runs
  // no destructor, so nothing may be left behind (the bus keeps what is
  // posted meanwhile for the watch added below).
  if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
    pipeline_.reset();
    throw std::runtime_error("the room's pipeline would not start");
  }
  g_autoptr(GstBus) bus = gst_pipeline_get_bus(GST_PIPELINE(pipeline_.get()));
  bus_watch_ = gst_bus_add_watch(
      bus,
      [](GstBus*, GstMessage* message, gpointer self) -> gboolean {
        static_cast<MediaRoom*>(self)->on_bus_message(message);
        return G_SOURCE_CONTINUE;
      },
      this);
  metrics_room_opened(*this);
  GST_INFO("media for room %s started", room_id_.c_str());
}

MediaRoom::~MediaRoom() {
  metrics_room_closing(*this);
  closing_ = true;
  consumers_.room_media_closing(room_id_);
  // Everything stops at once; what the participants and publications own is
  // then taken out of a pipeline in NULL.
  gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
  for (auto& [id, p] : participants_) p->subscriber.reset();
  publications_.clear();
  participants_.clear();
  if (bus_watch_) g_source_remove(bus_watch_);
  pipeline_.reset();
  GST_INFO("media for room %s released", room_id_.c_str());
}

Participant* MediaRoom::participant(const std::string& peer_id) {
  auto it = participants_.find(peer_id);
  return it == participants_.end() ? nullptr : it->second.get();
}

Publication* MediaRoom::publication(const std::string& track_id) {
  auto it = publications_.find(track_id);
  return it == publications_.end() ? nullptr : it->second.get();
}

void MediaRoom::fail(const std::string& peer_id, const std::string& code, const std::string& message,
                     const std::string& request_id) {
  peers_.media_failed(room_id_, peer_id, Refusal(code, message), request_id);
}

WebRtcEndpoint::CandidateFn MediaRoom::trickle_to(const std::string& peer_id, PeerConnection pc) {
  return [this, peer_id, pc](unsigned mline, const std::string& candidate) {
    if (candidate.empty()) return peers_.candidates_gathered(room_id_, peer_id, pc);
    peers_.local_candidate(room_id_, peer_id, pc, mline, candidate);
  };
}

void MediaRoom::add_participant(const MediaPeer& peer) {
  if (participants_.count(peer.peer_id)) return;
  auto p = std::make_unique<Participant>();
  p->peer = peer;
  participants_[peer.peer_id] = std::move(p);
  metrics_participant_added(*this, peer.peer_id);
  refresh_subscriptions();
}

void MediaRoom::remove_participant(const std::string& peer_id) {
  auto it = participants_.find(peer_id);
  if (it == participants_.end()) return;
  std::unique_ptr<Participant> leaving = std::move(it->second);
  participants_.erase(it);
  // Its streams stop first; then every subscriber lets go of them at once.
  if (leaving->publisher) leaving->publisher->stop();
  if (leaving->local) leaving->local->stop();
  std::vector<std::string> gone;
  for (const auto& [id, pub] : publications_)
    if (pub->info().peer_id == peer_id) gone.push_back(id);
  for (const auto& id : gone) remove_publication(id, true, false);
  leaving.reset();
  speakers_.remove(peer_id);
  refresh_subscriptions();
}

void MediaRoom::add_publication(const TrackInfo& info, GstElement* tee, const std::string& encoding_name, int layer,
                                unsigned declared_layers, int audio_level_id) {
  TrackInfo t = info;
  if (Participant* p = participant(t.peer_id)) {
    auto m = p->muted.find(t.source);
    t.muted = m != p->muted.end() && m->second;
  }
  unsigned serial = next_serial_++;
  const auto& pub = publications_[t.id] = std::make_unique<Publication>(bin(), t, tee, encoding_name, serial, layer,
                                                                     declared_layers, audio_level_id);
  level_tracks_[serial] = t.id;
  if (pub->reads_header_level() && !header_levels_tick_)
    handle_.start_timer(header_levels_tick_, kHeaderLevelIntervalMs, [](MediaRoom& self) { self.take_header_levels(); },
                        true);
  GST_INFO("room %s: %s publishes %s (%s, %s%s%s)", room_id_.c_str(), t.peer_id.c_str(), t.id.c_str(),
           t.source.c_str(), encoding_name.c_str(), layer >= 0 ? ", layer " : "", spatial_layer_name(layer));
  consumers_.track_added(t);
  refresh_subscriptions();
}

void MediaRoom::add_layer(const std::string& track_id, int layer, GstElement* tee) {
  Publication* pub = publication(track_id);
  if (!pub) return;
  GST_INFO("room %s: %s gains layer %s", room_id_.c_str(), track_id.c_str(), spatial_layer_name(layer));
  pub->add_layer(layer, tee);
  for (auto& [id, p] : participants_)
    if (p->subscriber) p->subscriber->layer_added(track_id);
  layers_changed();
}

void MediaRoom::publish_answered(const std::string& peer_id) {
  if (Participant* p = participant(peer_id)) {
    p->resend_layers = true;
    layers_changed();
  }
}

void MediaRoom::remove_publication(const std::string& track_id, bool tee_stopped, bool refresh) {
  Publication* pub = publication(track_id);
  if (!pub) return;
  GST_INFO("room %s: %s unpublished", room_id_.c_str(), track_id.c_str());
  consumers_.track_removed(pub->info());
  for (auto& [id, p] : participants_)
    if (p->subscriber && tee_stopped) p->subscriber->drop_stopped(track_id);
  if (refresh) refresh_subscriptions(track_id);
  for (auto it = level_tracks_.begin(); it != level_tracks_.end();)
    it = it->second == track_id ? level_tracks_.erase(it) : std::next(it);
  publications_.erase(track_id);
  consumer_pads_.erase(track_id);
  layers_changed();
}

void MediaRoom::refresh_subscriptions(const std::string& leaving) {
  for (auto& [peer_id, p] : participants_) {
    std::vector<const Publication*> wanted;
    for (const auto& [id, pub] : publications_)
      if (pub->info().peer_id != peer_id && id != leaving) wanted.push_back(pub.get());
    if ((wanted.empty() || !p->peer.receives) && !p->subscriber) continue;
    try {
      if (!p->subscriber) p->subscriber = std::make_unique<Subscriber>(*this, peer_id);
      p->subscriber->set_tracks(wanted);
    } catch (const std::exception& e) {
      // One subscriber's failure is its own: tell it, keep the room going.
      GST_ERROR("room %s: subscriber %s: %s", room_id_.c_str(), peer_id.c_str(), e.what());
      fail(peer_id, "media_failed", std::string("your media could not be set up: ") + e.what());
    }
  }
  layers_changed();
}

void MediaRoom::publish_offer(const std::string& peer_id, const std::string& sdp,
                              const std::map<std::string, std::string>& sources, const std::string& request_id) {
  std::map<std::string, PublishedTrack> tracks;
  for (const auto& [mid, source] : sources) tracks[mid] = PublishedTrack{source, ""};
  publish_offer(peer_id, sdp, tracks, request_id);
}

void MediaRoom::publish_offer(const std::string& peer_id, const std::string& sdp,
                              const std::map<std::string, PublishedTrack>& tracks, const std::string& request_id) {
  check_tracks(tracks);
  Participant* p = participant(peer_id);
  if (!p) throw Refusal("not_in_room", "join the room before publishing");
  if (!p->peer.can_publish) throw Refusal("forbidden", "viewers cannot publish");
  try {
    check_sdp(sdp);
  } catch (const std::invalid_argument& e) {
    throw Refusal("invalid_sdp", std::string("publish-offer: ") + e.what());
  }
  if (!p->publisher) p->publisher = std::make_unique<Publisher>(*this, peer_id);
  p->publisher->offer(sdp, tracks, request_id);
}

void MediaRoom::track_settings(const std::string& peer_id, const TrackSettings& settings) {
  Participant* viewer = participant(peer_id);
  if (!viewer) throw Refusal("not_in_room", "join the room's call first");
  const Participant* publisher = settings.peer_id == peer_id ? nullptr : participant(settings.peer_id);
  bool known = false;
  if (publisher) {
    for (const auto& [id, pub] : publications_)
      known |= pub->info().peer_id == settings.peer_id && pub->info().source == settings.source &&
               pub->info().kind == "video";
    if (publisher->publisher) known |= publisher->publisher->layered_sources().count(settings.source) > 0;
  }
  if (!known)
    throw Refusal("invalid_field", "track-settings: peer '" + settings.peer_id + "' publishes no " + settings.source +
                                       " video here");
  viewer->track_settings[settings_key(settings.peer_id, settings.source)] = settings;
  GST_DEBUG("room %s: %s wants %s's %s at %dx%d%s", room_id_.c_str(), peer_id.c_str(), settings.peer_id.c_str(),
            settings.source.c_str(), settings.width, settings.height, settings.visible ? "" : " (hidden)");
  if (viewer->subscriber) viewer->subscriber->settings_changed();
  layers_changed();
}

const TrackSettings* MediaRoom::settings_of(const std::string& viewer, const std::string& publisher,
                                            const std::string& source) const {
  auto p = participants_.find(viewer);
  if (p == participants_.end()) return nullptr;
  auto it = p->second->track_settings.find(settings_key(publisher, source));
  return it == p->second->track_settings.end() ? nullptr : &it->second;
}

void MediaRoom::layers_changed() {
  if (closing_ || layers_soon_) return;
  handle_.start_timer(layers_soon_, 0, [](MediaRoom& self) { self.send_layers_wanted(); });
}

// Dynacast: for each layered source, the layers someone consumes — every
// receiving peer's slot (the layer sent now and the one it goes to), peers
// without a slot yet at what they asked for (h by default), and consumers
// (recording, egress, WHEP) at the top layer. A room of one wants nothing
// once its camera has arrived.
void MediaRoom::send_layers_wanted() {
  for (auto& [publisher_id, p] : participants_) {
    if (!p->publisher) continue;
    for (const auto& [source, declared] : p->publisher->layered_sources()) {
      const std::string track_id = p->publisher->layered_track_id(source);
      const Publication* pub = publication(track_id);
      unsigned needed = 0;
      for (const auto& [viewer_id, viewer] : participants_) {
        if (viewer_id == publisher_id || !viewer->peer.receives) continue;
        if (pub && viewer->subscriber)
          if (std::optional<unsigned> slot = viewer->subscriber->needed_layers(track_id)) {
            needed |= *slot;
            continue;
          }
        const TrackSettings* ts = settings_of(viewer_id, publisher_id, source);
        if (ts && !ts->visible) continue;
        const int layer = ts ? spatial_layer_for_size(ts->width, ts->height) : kDefaultSpatialLayer;
        const int nearest = nearest_present_layer(layer, declared);
        if (nearest >= 0) needed |= 1u << nearest;
      }
      // Until a layer has arrived there is no publication for recording or
      // egress to attach to (they would never ask for it): the top layer
      // comes once, then goes when nobody needs it.
      if (!pub || consumer_pads_[track_id] > 0)
        for (int l = kSpatialLayers - 1; l >= 0; --l)
          if (declared & (1u << l)) {
            needed |= 1u << l;
            break;
          }
      std::vector<std::string> names;
      for (int l = 0; l < kSpatialLayers; ++l)
        if (needed & declared & (1u << l)) names.push_back(spatial_layer_name(l));
      auto last = p->layers_sent.find(source);
      if (!p->resend_layers && last != p->layers_sent.end() && last->second == names) continue;
      p->layers_sent[source] = names;
      GST_INFO("room %s: %s's %s: layers wanted [%s]", room_id_.c_str(), publisher_id.c_str(), source.c_str(),
               [&] {
                 std::string list;
                 for (const auto& n : names) list += (list.empty() ? "" : ",") + n;
                 return list;
               }()
                   .c_str());
      peers_.layers_wanted(room_id_, publisher_id, source, names);
    }
    p->resend_layers = false;
  }
}

std::shared_ptr<LocalTrackInput> MediaRoom::publish_local(const std::string& peer_id, const LocalTrack& track) {
  Participant* p = participant(peer_id);
  if (!p) throw Refusal("not_in_room", "join the room before publishing");
  if (!p->peer.can_publish) throw Refusal("forbidden", "viewers cannot publish");
  if (!p->local) p->local = std::make_unique<LocalPublisher>(*this, peer_id);
  return p->local->add(track);
}

void MediaRoom::publisher_not_connected(const std::string& peer_id, const std::string& request_id) {
  Participant* p = participant(peer_id);
  if (!p || !p->publisher) return;
  GST_WARNING("room %s: %s's publish connection did not connect within %d s; freeing it", room_id_.c_str(),
              peer_id.c_str(), settings_.publish_connect_timeout_sec);
  end_publishing(*p);
  fail(peer_id, "connect_timeout",
       "publish-offer: the publish connection did not connect in time (ICE/DTLS); offer again", request_id);
}

// As when the peer leaves: its streams stop first, then every subscriber lets go of them.
void MediaRoom::end_publishing(Participant& p) {
  const std::string peer_id = p.peer.peer_id;
  if (p.publisher) p.publisher->stop();
  if (p.local) p.local->stop();
  std::vector<std::string> gone;
  for (const auto& [id, pub] : publications_)
    if (pub->info().peer_id == peer_id) gone.push_back(id);
  for (const auto& id : gone) remove_publication(id, true, false);
  p.publisher.reset();
  p.local.reset();
  speakers_.remove(peer_id);
  refresh_subscriptions();
}

void MediaRoom::set_can_publish(const std::string& peer_id, bool can_publish) {
  Participant* p = participant(peer_id);
  if (!p || p->peer.can_publish == can_publish) return;
  p->peer.can_publish = can_publish;
  GST_INFO("room %s: %s %s publish", room_id_.c_str(), peer_id.c_str(), can_publish ? "may now" : "may no longer");
  if (!can_publish) end_publishing(*p);
}

void MediaRoom::subscribe_answer(const std::string& peer_id, const std::string& sdp, const std::string& request_id) {
  Participant* p = participant(peer_id);
  if (!p || !p->subscriber) throw Refusal("no_offer", "no subscribe-offer is waiting for an answer");
  p->subscriber->answer(sdp, request_id);
}

void MediaRoom::remote_candidate(const std::string& peer_id, PeerConnection pc, unsigned mline,
                                 const std::string& candidate) {
  const bool publish_pc = pc == PeerConnection::Publish;
  Participant* p = participant(peer_id);
  if (publish_pc && p && p->publisher) return p->publisher->add_remote_candidate(mline, candidate);
  if (!publish_pc && p && p->subscriber) return p->subscriber->add_remote_candidate(mline, candidate);
  throw Refusal("no_connection", std::string("there is no ") + (publish_pc ? "publish" : "subscribe") +
                                     " connection for this candidate");
}

void MediaRoom::set_muted(const std::string& peer_id, const std::string& source, bool muted) {
  Participant* p = participant(peer_id);
  if (!p) return;
  p->muted[source] = muted;
  for (auto& [id, pub] : publications_) {
    if (pub->info().peer_id != peer_id || pub->info().source != source || pub->info().muted == muted) continue;
    pub->set_muted(muted);
    for (auto& [other_id, other] : participants_)
      if (other->subscriber) other->subscriber->set_muted(id, muted);
    consumers_.track_muted(pub->info());
  }
  if (source == "microphone" && muted) speakers_.remove(peer_id);
}

std::vector<TrackInfo> MediaRoom::tracks() const {
  std::vector<TrackInfo> out;
  for (const auto& [id, pub] : publications_) out.push_back(pub->info());
  return out;
}

std::map<std::string, uint64_t> MediaRoom::packets_received() const {
  std::map<std::string, uint64_t> out;
  for (const auto& [id, pub] : publications_) out[id] = pub->packets_received();
  return out;
}

std::map<std::string, uint64_t> MediaRoom::keyframe_requests_sent() const {
  std::map<std::string, uint64_t> out;
  for (const auto& [id, pub] : publications_)
    if (pub->info().kind == "video") out[id] = pub->keyframe_requests_sent();
  return out;
}

std::map<std::string, std::string> MediaRoom::level_sources() const {
  std::map<std::string, std::string> out;
  for (const auto& [id, pub] : publications_)
    if (*pub->level_source()) out[id] = pub->level_source();
  return out;
}

uint64_t MediaRoom::packets_received_from(const std::string& peer_id) const {
  uint64_t sum = 0;
  for (const auto& [id, pub] : publications_)
    if (pub->info().peer_id == peer_id) sum += pub->packets_received();
  return sum;
}

std::vector<const Subscriber*> MediaRoom::subscribers() const {
  std::vector<const Subscriber*> out;
  for (const auto& [id, p] : participants_)
    if (p->subscriber) out.push_back(p->subscriber.get());
  return out;
}

GstPad* MediaRoom::request_track_pad(const std::string& track_id) {
  Publication* pub = publication(track_id);
  if (!pub) return nullptr;
  // A consumer takes the top layer for as long as it holds the pad (dynacast).
  ++consumer_pads_[track_id];
  layers_changed();
  return pub->request_pad();
}

void MediaRoom::release_track_pad(const std::string& track_id, GstPad* pad) {
  if (!pad) return;
  if (Publication* pub = publication(track_id)) {
    pub->release_pad(GST_PAD(gst_object_ref(pad)));  // release_pad takes a reference; the caller keeps its own
    if (auto held = consumer_pads_.find(track_id); held != consumer_pads_.end() && --held->second <= 0)
      consumer_pads_.erase(held);
    layers_changed();
  }
}

void MediaRoom::request_keyframe(const std::string& track_id) {
  if (Publication* pub = publication(track_id)) pub->request_keyframe();
}

MediaRoom::Stats MediaRoom::stats() const {
  Stats s;
  s.participants = participants_.size();
  s.publications = publications_.size();
  for (const auto& [id, p] : participants_) {
    if (!p->subscriber) continue;
    s.subscriber_tracks += p->subscriber->active_tracks();
    s.packets_forwarded += p->subscriber->packets_forwarded();
  }
  return s;
}

size_t MediaRoom::element_count() const { return descendants(GST_BIN(pipeline_.get())).size(); }

// The participant whose element (a child of the pipeline, named pub-/sub-<peer>) posted a message.
const Participant* MediaRoom::owner_of(GstObject* src) const {
  for (GstObject* o = src; o; o = GST_OBJECT_PARENT(o)) {
    if (GST_OBJECT_PARENT(o) != GST_OBJECT(pipeline_.get())) continue;
    const char* name = GST_OBJECT_NAME(o);
    if (g_str_has_prefix(name, "pub-") || g_str_has_prefix(name, "sub-")) {
      auto it = participants_.find(name + 4);
      return it == participants_.end() ? nullptr : it->second.get();
    }
    return nullptr;
  }
  return nullptr;
}

void MediaRoom::on_bus_message(GstMessage* message) {
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ELEMENT: {
      const GstStructure* s = gst_message_get_structure(message);
      if (s && gst_structure_has_name(s, "level")) on_level(s, GST_MESSAGE_SRC(message));
      break;
    }
    case GST_MESSAGE_ERROR: {
      g_autoptr(GError) error = nullptr;
      g_autofree char* debug = nullptr;
      gst_message_parse_error(message, &error, &debug);
      metrics_pipeline_error();
      const Participant* p = owner_of(GST_MESSAGE_SRC(message));
      GST_ERROR("room %s: %s reports: %s (%s)", room_id_.c_str(), GST_MESSAGE_SRC_NAME(message), error->message,
                debug ? debug : "");
      // A pipeline error does not stop the pipeline by itself: the room goes
      // on, and only the peer it belongs to hears of it.
      if (p) fail(p->peer.peer_id, "media_failed", std::string("media error: ") + error->message);
      break;
    }
    case GST_MESSAGE_STATE_CHANGED: {
      // A live pipeline can lose its state when a child's sink starts an
      // asynchronous change (elements come and go with every join and
      // leave); a room must never stay paused, so it is set back to PLAYING.
      if (GST_MESSAGE_SRC(message) != GST_OBJECT(pipeline_.get())) break;
      GstState old_state, new_state, pending;
      gst_message_parse_state_changed(message, &old_state, &new_state, &pending);
      if (old_state == GST_STATE_PLAYING && new_state == GST_STATE_PAUSED && !closing_) {
        GST_WARNING("room %s: the pipeline fell back to PAUSED; resuming", room_id_.c_str());
        gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING);
      }
      break;
    }
    case GST_MESSAGE_WARNING: {
      g_autoptr(GError) error = nullptr;
      gst_message_parse_warning(message, &error, nullptr);
      GST_WARNING("room %s: %s: %s", room_id_.c_str(), GST_MESSAGE_SRC_NAME(message), error->message);
      break;
    }
    default:
      break;
  }
}

void MediaRoom::on_level(const GstStructure* s, GstObject* src) {
  GstObject* bin = GST_OBJECT_PARENT(src);
  unsigned serial = 0;
  if (!bin || sscanf(GST_OBJECT_NAME(bin), "level-%u", &serial) != 1) return;
  const GValue* rms = gst_structure_get_value(s, "rms");
  if (!rms) return;
  double loudest = -700;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS  // level posts a GValueArray in 1.22
  if (auto* channels = static_cast<GValueArray*>(g_value_get_boxed(rms)))
    for (guint i = 0; i < channels->n_values; ++i)
      loudest = std::max(loudest, g_value_get_double(g_value_array_get_nth(channels, i)));
  G_GNUC_END_IGNORE_DEPRECATIONS
  auto track = level_tracks_.find(serial);
  if (track == level_tracks_.end()) return;
  if (const Publication* pub = publication(track->second)) level_reading(*pub, loudest);
}

void MediaRoom::take_header_levels() {
  bool any = false;
  std::vector<std::pair<std::string, double>> readings;  // taken first: listeners run after the walk
  for (const auto& [id, pub] : publications_) {
    if (!pub->reads_header_level()) continue;
    any = true;
    if (auto db = pub->take_header_level()) readings.emplace_back(id, *db);
  }
  // Nothing left to read: no wake-ups for a room without such a microphone.
  if (!any) header_levels_tick_.reset();
  for (const auto& [track_id, db] : readings)
    if (const Publication* pub = publication(track_id)) level_reading(*pub, db);
}

void MediaRoom::level_reading(const Publication& pub, double level_db) {
  if (pub.info().muted) return;
  if (auto changed = speakers_.update(pub.info().peer_id, level_db, g_get_monotonic_time() / 1000)) {
    active_speaker_ = *changed;
    peers_.active_speaker(room_id_, active_speaker_);
    consumers_.active_speaker_changed(room_id_, active_speaker_);
  }
}

}  // namespace convene::media
