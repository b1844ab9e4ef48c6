#include "playback/whep_endpoint.h"

#include <glib.h>

#include <optional>

#include "http/error.h"
#include "playback/playback_log.h"
#include "playback/whep_offer.h"
#include "recording/recording_module.h"
#include "rooms/room_access.h"
#include "rooms/room_repository.h"
#include "rooms/rooms_module.h"
#include "util/random.h"

#define GST_CAT_DEFAULT convene_playback_debug

namespace convene::playback {
namespace {

bool is_sdp(const char* content_type) {
  if (!content_type) return false;
  std::string t(content_type);
  t = t.substr(0, t.find(';'));
  while (!t.empty() && t.back() == ' ') t.pop_back();
  return g_ascii_strcasecmp(t.c_str(), "application/sdp") == 0;
}

// The token of "Authorization: Bearer <token>" ("" when there is none).
std::string bearer(const http::Exchange& ex) {
  const char* h = ex.header("Authorization");
  if (!h || g_ascii_strncasecmp(h, "Bearer ", 7) != 0) return "";
  std::string token = h + 7;
  while (!token.empty() && token.front() == ' ') token.erase(token.begin());
  while (!token.empty() && token.back() == ' ') token.pop_back();
  return token;
}

http::Error unauthorized() {
  return http::Error(401, "unauthorized",
                     "watching needs the room's view link (?view= or Authorization: Bearer) or a signed-in member");
}

}  // namespace

// What a POST asks for, read before anything is created.
struct WhepEndpoint::Offer {
  std::string sdp;
  std::vector<WantedLine> lines;
  std::string peer_id, source;  // empty: the composite
};

WhepEndpoint::WhepEndpoint(const Collaborators& with)
    : store_(with.store),
      authenticator_(with.authenticator),
      media_(with.media),
      recording_(with.recording),
      settings_(with.media_settings),
      viewer_timeout_sec_(with.viewer_timeout_sec),
      video_kbps_(with.video_kbps),
      max_viewers_(with.max_viewers),
      answer_timeout_sec_(with.answer_timeout_sec) {
  with.http.route("POST", "/whep/:roomId", [this](http::ExchangePtr ex) { post(ex); });
  with.http.route("OPTIONS", "/whep/:roomId", [this](http::ExchangePtr ex) { options(ex); });
  with.http.route("DELETE", "/whep/:roomId/:sessionId", [this](http::ExchangePtr ex) { remove(ex); });
  with.http.route("PATCH", "/whep/:roomId/:sessionId", [this](http::ExchangePtr ex) { patch(ex); });
  media_listening_ = media_.add_listener(*this);
  room_ended_ = with.rooms.add_room_ended_listener(
      [this](const std::string& room_id) { end_room(room_id, "room_ended", "the room ended"); });
}

WhepEndpoint::~WhepEndpoint() {
  media_listening_ = ListenerToken();
  room_ended_ = ListenerToken();
  std::vector<std::string> ids;
  for (const auto& [id, s] : sessions_) ids.push_back(id);
  for (const auto& id : ids) end(id, 503, "shutting_down", "the server is shutting down");
}

void WhepEndpoint::options(http::ExchangePtr ex) {
  ex->add_header("Allow", "OPTIONS, POST");
  ex->add_header("Accept-Post", "application/sdp");
  ex->no_content();
}

void WhepEndpoint::post(http::ExchangePtr ex) {
  if (!is_sdp(ex->header("Content-Type")))
    throw http::Error(415, "unsupported_media_type", "a WHEP offer is sent as Content-Type: application/sdp");
  const std::string room_id = ex->param("roomId");
  auto offer = std::make_shared<Offer>();
  offer->sdp = std::string(ex->body());
  offer->peer_id = ex->query("peer").value_or("");
  offer->source = ex->query("source").value_or(offer->peer_id.empty() ? "" : "camera");
  if (!offer->source.empty() && offer->source != "camera" && offer->source != "screen")
    throw http::Error(400, "invalid_source", "'source' must be camera or screen");
  if (!offer->source.empty() && offer->peer_id.empty())
    throw http::Error(400, "invalid_source", "'source' needs 'peer': whose camera or screen");
  // Who may watch: the view link (query or bearer), else a signed-in member.
  std::string token = ex->query("view").value_or("");
  if (token.empty()) token = bearer(*ex);
  const bool viewer_link = recording_.valid_view_token(room_id, token);
  if (!viewer_link && ex->query("view")) throw unauthorized();
  std::optional<auth::AuthUser> who;
  if (!viewer_link && !(who = authenticator_.identify(*ex))) throw unauthorized();
  store_.run<rooms::MemberAccess>(
      [room_id, uid = who ? who->id : std::string()](store::Connection& c) {
        if (!uid.empty()) return rooms::room_store::member_access(c, room_id, uid);
        rooms::MemberAccess a;
        a.room = rooms::room_store::find(c, room_id);
        return a;
      },
      ex->guard([this, ex, offer, viewer_link](store::Outcome<rooms::MemberAccess> out) {
        if (!out.ok()) throw out.error();
        const rooms::MemberAccess& access = out.value();
        if (!access.room) throw http::not_found("no such room");
        if (!viewer_link) rooms::require_admitted(access);
        const rooms::RoomRecord& room = *access.room;
        if (!room.is_active) throw http::conflict("room_ended", "the room has ended");
        if (room.e2ee)
          throw http::conflict("e2ee", "the room's media is end-to-end encrypted: the server cannot play it");
        if (std::string(room.media_mode()) != "sfu")
          throw http::conflict("not_live", "a one-to-one call is peer to peer: the server has nothing to play");
        try {
          offer->lines = read_whep_offer(offer->sdp, settings_.video_codec);
        } catch (const OfferError& e) {
          throw http::Error(400, e.code, e.what());
        }
        start(ex, room, *offer);
      }));
}

void WhepEndpoint::start(const http::ExchangePtr& ex, const rooms::RoomRecord& room, const Offer& offer) {
  media::RoomMedia* room_media = media_.room_media(room.id);
  if (!room_media) throw http::conflict("not_live", "the room is not live: nobody is in its call");
  if (max_viewers_ > 0 && viewers_in(room.id) >= static_cast<size_t>(max_viewers_))
    throw http::Error(503, "too_many_viewers", "this room has as many viewers as the server allows; try later");
  auto session = std::make_unique<Session>();
  session->id = random::hex_token(16);
  session->room_id = room.id;
  std::vector<ViewerSource> sources;
  GstBin* bin = nullptr;
  if (!offer.peer_id.empty()) {
    // One participant's tracks, from their tees in the room's pipeline.
    for (const auto& t : room_media->tracks()) {
      if (t.peer_id != offer.peer_id) continue;
      if (t.source != offer.source && t.source != "microphone") continue;
      session->track_ids.push_back(t.id);
      media::RoomMediaProvider* provider = &media_;
      std::string room_id = room.id, track_id = t.id;
      sources.push_back(ViewerSource{
          t.kind,
          [provider, room_id, track_id]() -> GstPad* {
            media::RoomMedia* r = provider->room_media(room_id);
            return r ? r->request_track_pad(track_id) : nullptr;
          },
          [provider, room_id, track_id] {
            if (media::RoomMedia* r = provider->room_media(room_id)) r->request_keyframe(track_id);
          }});
    }
    bool has_video = false;
    for (const auto& s : sources) has_video = has_video || s.kind == "video";
    if (!has_video)
      throw http::not_found("that participant publishes no " + offer.source + " in this room");
    bin = GST_BIN(room_media->pipeline());
  } else {
    CompositeStream& stream = stream_for(room.id);  // throws 409 when the composite cannot run
    sources = stream.sources();
    bin = stream.bin();
  }
  const std::string id = session->id;
  session->pending = ex;
  try {
    session->viewer = std::make_unique<Viewer>(
        bin, "whep-view-" + id, settings_, viewer_timeout_sec_, std::move(sources),
        Viewer::Events{
            [this, id](const std::string& answer) {
              auto it = sessions_.find(id);
              if (it == sessions_.end() || !it->second->pending) return;
              Session& done = *it->second;
              done.timer.reset();
              http::ExchangePtr reply = std::move(done.pending);
              reply->add_header("Location", "/whep/" + done.room_id + "/" + done.id);
              g_autoptr(GBytes) body = g_bytes_new(answer.data(), answer.size());
              reply->bytes(201, "application/sdp", body);
              GST_INFO("WHEP %s: answered (room %s, %s)", id.c_str(), done.room_id.c_str(),
                       done.track_ids.empty() ? "composite" : "one participant");
            },
            [this, id](const std::string& code, const std::string& message) {
              end(id, code == "invalid_sdp" ? 400 : 500, code, message);
            }});
  } catch (const std::exception& e) {
    if (offer.peer_id.empty()) drop_stream_if_unused(room.id);
    throw http::Error(500, "media_failed", std::string("the viewer could not be set up: ") + e.what());
  }
  Session& s = *(sessions_[id] = std::move(session));
  handle_.start_timer(s.timer, static_cast<guint>(answer_timeout_sec_) * 1000, [id](WhepEndpoint& self) {
    self.end(id, 503, "answer_timeout", "the media server did not answer in time; try again");
  });
  GST_INFO("WHEP %s: a viewer of room %s (%s)", id.c_str(), room.id.c_str(),
           offer.peer_id.empty() ? "composite" : (offer.peer_id + "'s " + offer.source).c_str());
  s.viewer->start(offer.sdp, offer.lines);
}

CompositeStream& WhepEndpoint::stream_for(const std::string& room_id) {
  auto it = streams_.find(room_id);
  if (it != streams_.end()) return *it->second;
  auto stream = std::make_unique<CompositeStream>(
      room_id, settings_.video_codec, video_kbps_,
      [weak = handle_.weak(), room_id](const std::string& viewer, const std::string& message) {
        // On a fresh main-loop turn: the stream may go, never inside its own bus callback.
        media::MainThreadHandle<WhepEndpoint>::post(weak, [room_id, viewer, message](WhepEndpoint& self) {
          if (!viewer.empty()) {
            // One viewer's connection failed: only that viewer ends.
            self.end(viewer.substr(std::string("whep-view-").size()), 500, "media_failed", message);
            return;
          }
          self.end_room(room_id, "media_failed", "the room's stream failed: " + message);
        });
      });
  // Attached now (the composite built if this is its first user); a refusal
  // (409 no_media) leaves nothing behind.
  recording_.attach_live(room_id, *stream);
  GST_INFO("room %s: WHEP composite stream started", room_id.c_str());
  return *(streams_[room_id] = std::move(stream));
}

void WhepEndpoint::drop_stream_if_unused(const std::string& room_id) {
  auto it = streams_.find(room_id);
  if (it == streams_.end()) return;
  for (const auto& [id, s] : sessions_)
    if (s->room_id == room_id && s->track_ids.empty()) return;
  std::unique_ptr<CompositeStream> stream = std::move(it->second);
  streams_.erase(it);
  recording_.detach_live(room_id, *stream);
  stream.reset();
  GST_INFO("room %s: WHEP composite stream stopped (no viewer left)", room_id.c_str());
}

size_t WhepEndpoint::viewers_in(const std::string& room_id) const {
  size_t n = 0;
  for (const auto& [id, s] : sessions_) n += s->room_id == room_id;
  return n;
}

void WhepEndpoint::end(const std::string& session_id, int status, const std::string& code,
                       const std::string& message) {
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return;
  std::unique_ptr<Session> s = std::move(it->second);
  sessions_.erase(it);
  if (s->pending && status) s->pending->error(status, code, message);
  s->timer.reset();
  s->viewer.reset();  // off the tees, webrtcbin stopped, forwarders out
  GST_INFO("WHEP %s ends in room %s%s%s", s->id.c_str(), s->room_id.c_str(), message.empty() ? "" : ": ",
           message.c_str());
  if (s->track_ids.empty()) drop_stream_if_unused(s->room_id);
}

void WhepEndpoint::end_room(const std::string& room_id, const std::string& code, const std::string& message) {
  std::vector<std::string> ids;
  for (const auto& [id, s] : sessions_)
    if (s->room_id == room_id) ids.push_back(id);
  for (const auto& id : ids) end(id, 409, code, message);
  drop_stream_if_unused(room_id);
}

void WhepEndpoint::remove(http::ExchangePtr ex) {
  auto it = sessions_.find(ex->param("sessionId"));
  if (it == sessions_.end() || it->second->room_id != ex->param("roomId"))
    throw http::not_found("no such WHEP session");
  end(it->first);
  g_autoptr(GBytes) empty = g_bytes_new(nullptr, 0);
  ex->bytes(200, "text/plain", empty);
}

void WhepEndpoint::patch(http::ExchangePtr ex) {
  auto it = sessions_.find(ex->param("sessionId"));
  if (it == sessions_.end() || it->second->room_id != ex->param("roomId"))
    throw http::not_found("no such WHEP session");
  ex->add_header("Allow", "DELETE");
  throw http::Error(405, "method_not_allowed",
                    "this server sends every candidate in its answer and takes no trickle ICE or ICE restart");
}

void WhepEndpoint::track_removed(const media::TrackInfo& track) {
  std::vector<std::string> ids;
  for (const auto& [id, s] : sessions_)
    for (const auto& t : s->track_ids)
      if (t == track.id) ids.push_back(id);
  for (const auto& id : ids) end(id, 409, "track_ended", "the participant stopped publishing");
}

void WhepEndpoint::room_media_closing(const std::string& room_id) {
  // The room's pipeline goes to NULL next: nothing of ours may stay in it or feed from it.
  end_room(room_id, "not_live", "the room's call ended");
}

}  // namespace convene::playback
