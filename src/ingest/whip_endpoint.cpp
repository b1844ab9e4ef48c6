#include "ingest/whip_endpoint.h"

#include <glib.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <optional>

#include "http/error.h"
#include "ingest/ingest_key_repository.h"
#include "ingest/ingest_log.h"
#include "ingest/whip_sdp.h"
#include "rooms/room_repository.h"
#include "rooms/rooms_module.h"
#include "signaling/signaling_module.h"
#include "util/random.h"

#define GST_CAT_DEFAULT convene_ingest_debug

namespace convene::ingest {
namespace {

// The live role of an ingest publisher: it sends media, it never moderates.
constexpr const char* kRole = "PRESENTER";

// The key of "Authorization: Bearer <key>" ("" when there is none).
std::string bearer(const http::Exchange& ex) {
  const char* h = ex.header("Authorization");
  if (!h || g_ascii_strncasecmp(h, "Bearer ", 7) != 0) return "";
  std::string key = h + 7;
  while (!key.empty() && key.front() == ' ') key.erase(key.begin());
  while (!key.empty() && key.back() == ' ') key.pop_back();
  return key;
}

bool is_sdp(const char* content_type) {
  if (!content_type) return false;
  std::string t(content_type);
  t = t.substr(0, t.find(';'));
  while (!t.empty() && t.back() == ' ') t.pop_back();
  return g_ascii_strcasecmp(t.c_str(), "application/sdp") == 0;
}

http::Error unauthorized_key() {
  return http::Error(401, "unauthorized", "an ingest key of this room is needed: Authorization: Bearer <key>");
}

GSourcePtr after_seconds(int seconds, std::function<void()> fn) {
  GSource* s = g_timeout_source_new_seconds(static_cast<guint>(std::max(1, seconds)));
  g_source_set_callback(
      s,
      [](gpointer d) -> gboolean {
        (*static_cast<std::function<void()>*>(d))();
        return G_SOURCE_REMOVE;
      },
      new std::function<void()>(std::move(fn)), [](gpointer d) { delete static_cast<std::function<void()>*>(d); });
  g_source_attach(s, g_main_context_default());
  return GSourcePtr(s);
}

GSourcePtr every_second(std::function<void()> fn) {
  GSource* s = g_timeout_source_new_seconds(1);
  g_source_set_callback(
      s,
      [](gpointer d) -> gboolean {
        (*static_cast<std::function<void()>*>(d))();
        return G_SOURCE_CONTINUE;
      },
      new std::function<void()>(std::move(fn)), [](gpointer d) { delete static_cast<std::function<void()>*>(d); });
  g_source_attach(s, g_main_context_default());
  return GSourcePtr(s);
}

}  // namespace

WhipEndpoint::WhipEndpoint(const Collaborators& with)
    : store_(with.store),
      signaling_(with.signaling),
      media_(with.media),
      video_codec_(with.video_codec),
      answer_timeout_sec_(with.answer_timeout_sec),
      media_timeout_sec_(std::max(1, with.media_timeout_sec)) {
  with.http.route("POST", "/whip/:roomId", [this](http::ExchangePtr ex) { post(ex); });
  with.http.route("OPTIONS", "/whip/:roomId", [this](http::ExchangePtr ex) { options(ex); });
  with.http.route("DELETE", "/whip/:roomId/:sessionId", [this](http::ExchangePtr ex) { remove(ex); });
  with.http.route("PATCH", "/whip/:roomId/:sessionId", [this](http::ExchangePtr ex) { patch(ex); });
  media_listening_ = media_.add_peer_listener(*this);
  // The room ended: its publishers are gone with it (signaling releases its media).
  room_ended_ = with.rooms.add_room_ended_listener([this](const std::string& room_id) {
    std::vector<std::string> ids;
    for (const auto& [id, s] : sessions_)
      if (s->room_id == room_id) ids.push_back(id);
    for (const auto& id : ids) end(id, 409, "room_ended", "the room ended");
  });
  // A host removed the publisher (kick): the session is over.
  peer_removed_ = signaling_.add_remote_peer_removed_listener([this](const std::string& room_id,
                                                                     const std::string& peer_id) {
    if (WhipSession* s = session_of_peer(room_id, peer_id)) {
      const std::string id = s->id;
      end(id, 409, "removed", "a host removed this publisher");
    }
  });
}

WhipEndpoint::~WhipEndpoint() {
  media_listening_ = ListenerToken();
  peer_removed_ = ListenerToken();
  std::vector<std::string> ids;
  for (const auto& [id, s] : sessions_) ids.push_back(id);
  for (const auto& id : ids) end(id, 503, "shutting_down", "the server is shutting down");
}

void WhipEndpoint::options(http::ExchangePtr ex) {
  ex->add_header("Allow", "OPTIONS, POST");
  ex->add_header("Accept-Post", "application/sdp");
  ex->no_content();
}

void WhipEndpoint::post(http::ExchangePtr ex) {
  if (!is_sdp(ex->header("Content-Type")))
    throw http::Error(415, "unsupported_media_type", "a WHIP offer is sent as Content-Type: application/sdp");
  std::string key = bearer(*ex);
  if (key.empty()) throw unauthorized_key();
  std::string room_id = ex->param("roomId");
  std::string sdp(ex->body());
  struct Checked {
    std::optional<rooms::RoomRecord> room;
    std::optional<IngestKey> key;
  };
  store_.run<Checked>(
      [room_id, key](store::Connection& c) {
        Checked out{rooms::room_store::find(c, room_id), std::nullopt};
        if (out.room) out.key = ingest_key_store::find_by_secret(c, room_id, key);
        return out;
      },
      ex->guard([this, ex, sdp](store::Outcome<Checked> out) {
        if (!out.ok()) throw out.error();
        const Checked& c = out.value();
        if (!c.room) throw http::not_found("no such room");
        if (!c.key) throw unauthorized_key();
        if (!c.room->is_active) throw http::conflict("room_ended", "the room has ended");
        if (std::string(c.room->media_mode()) != "sfu")
          throw http::conflict("wrong_media_mode", "a one-to-one room is peer to peer: it cannot take a publisher");
        if (c.room->e2ee)
          throw http::conflict("e2ee", "the room's media is end-to-end encrypted: the server cannot add a publisher");
        WhipOffer offer;
        try {
          offer = read_whip_offer(sdp, video_codec_);
        } catch (const OfferError& e) {
          throw http::Error(400, e.code, e.what());
        }
        start(ex, *c.room, c.key->id, c.key->name, sdp, offer.sources);
      }));
}

void WhipEndpoint::start(const http::ExchangePtr& ex, const rooms::RoomRecord& room, const std::string& key_id,
                         const std::string& key_name, const std::string& sdp,
                         const std::map<std::string, std::string>& sources) {
  auto session = std::make_unique<WhipSession>();
  const std::string id = random::hex_token(16);
  session->id = id;
  session->room_id = room.id;
  session->key_id = key_id;
  session->name = key_name;
  session->pending = ex;
  WhipSession& s = *(sessions_[id] = std::move(session));
  s.timer = after_seconds(answer_timeout_sec_, [this, id] {
    auto it = sessions_.find(id);
    if (it == sessions_.end() || !it->second->pending) return;
    WhipSession& late = *it->second;
    if (!late.answer.empty()) {
      GST_WARNING("WHIP %s: ICE gathering did not finish in %d s; answering with %zu candidates", id.c_str(),
                  answer_timeout_sec_, late.candidates.size());
      late.gathered = true;
      send_answer(late);
      return;
    }
    end(id, 503, "answer_timeout", "the media server did not answer in time; try again");
  });
  // The participant is in the room before it offers, as a browser is.
  s.peer_id = signaling_.enter_room_remote(room, "ingest:" + key_id, key_name, kRole);
  peers_[s.peer_id] = id;
  GST_INFO("WHIP %s: %s (key %s) publishes into room %s as peer %s", id.c_str(), key_name.c_str(), key_id.c_str(),
           room.id.c_str(), s.peer_id.c_str());
  try {
    media_.publish_offer(room.id, s.peer_id, sdp, sources, id);
  } catch (const media::Refusal& r) {
    end(id, r.code == "invalid_sdp" ? 400 : 500, r.code, r.what());
  }
}

void WhipEndpoint::send_answer(WhipSession& s) {
  if (!s.pending) return;
  s.timer.reset();
  http::ExchangePtr ex = std::move(s.pending);
  std::string answer;
  try {
    answer = answer_with_candidates(s.answer, s.candidates);
  } catch (const OfferError& e) {
    end(s.id, 500, "media_failed", std::string("the media server's answer: ") + e.what());
    return;
  }
  ex->add_header("Location", "/whip/" + s.room_id + "/" + s.id);
  g_autoptr(GBytes) body = g_bytes_new(answer.data(), answer.size());
  ex->bytes(201, "application/sdp", body);
  watch_media(s);
}

// webrtcbin in 1.22 has no ICE consent freshness, so a client that vanishes
// leaves its connection "connected" for ever: silence is what tells.
void WhipEndpoint::watch_media(WhipSession& s) {
  s.packets = media_.packets_received(s.room_id, s.peer_id);
  s.last_progress_us = g_get_monotonic_time();
  const std::string id = s.id;
  // Owned by the session: destroyed with it, so `this` and `id` are valid when it ticks.
  s.liveness = every_second([this, id] {
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return;
    WhipSession& w = *it->second;
    uint64_t packets = media_.packets_received(w.room_id, w.peer_id);
    int64_t now = g_get_monotonic_time();
    if (packets != w.packets) {
      w.packets = packets;
      w.last_progress_us = now;
    } else if (now - w.last_progress_us >= int64_t(media_timeout_sec_) * G_USEC_PER_SEC) {
      GST_WARNING("WHIP %s: no media for %d s; the publisher is gone", id.c_str(), media_timeout_sec_);
      end(id, 0, "", "no media for " + std::to_string(media_timeout_sec_) + " s");
    }
  });
}

void WhipEndpoint::key_revoked(const std::string& room_id, const std::string& key_id) {
  std::vector<std::string> ids;
  for (const auto& [id, s] : sessions_)
    if (s->room_id == room_id && s->key_id == key_id) ids.push_back(id);
  for (const auto& id : ids) end(id, 401, "key_revoked", "the ingest key was revoked");
}

void WhipEndpoint::end(const std::string& session_id, int status, const std::string& code,
                       const std::string& message) {
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return;
  std::unique_ptr<WhipSession> s = std::move(it->second);
  sessions_.erase(it);
  peers_.erase(s->peer_id);
  if (s->pending && status) s->pending->error(status, code, message);
  s->timer.reset();
  s->liveness.reset();
  GST_INFO("WHIP %s (%s) ends in room %s%s%s", s->id.c_str(), s->name.c_str(), s->room_id.c_str(),
           message.empty() ? "" : ": ", message.c_str());
  if (!s->peer_id.empty()) signaling_.leave_room_remote(s->room_id, s->peer_id);
}

void WhipEndpoint::remove(http::ExchangePtr ex) {
  auto it = sessions_.find(ex->param("sessionId"));
  if (it == sessions_.end() || it->second->room_id != ex->param("roomId"))
    throw http::not_found("no such WHIP session");
  const std::string id = it->first;
  end(id);
  g_autoptr(GBytes) empty = g_bytes_new(nullptr, 0);
  ex->bytes(200, "text/plain", empty);
}

void WhipEndpoint::patch(http::ExchangePtr ex) {
  auto it = sessions_.find(ex->param("sessionId"));
  if (it == sessions_.end() || it->second->room_id != ex->param("roomId"))
    throw http::not_found("no such WHIP session");
  // RFC 9725 4.3.1: a server without trickle ICE and ICE restarts answers 405.
  ex->add_header("Allow", "DELETE");
  throw http::Error(405, "method_not_allowed",
                    "this server sends every candidate in its answer and takes no trickle ICE or ICE restart");
}

WhipSession* WhipEndpoint::session_of_peer(const std::string& room_id, const std::string& peer_id) {
  auto p = peers_.find(peer_id);
  if (p == peers_.end()) return nullptr;
  auto s = sessions_.find(p->second);
  return s != sessions_.end() && s->second->room_id == room_id ? s->second.get() : nullptr;
}

void WhipEndpoint::publish_answer(const std::string& room_id, const std::string& peer_id, const std::string& sdp,
                                  const std::string&) {
  WhipSession* s = session_of_peer(room_id, peer_id);
  if (!s || !s->pending) return;
  s->answer = sdp;
  if (s->answer_ready()) send_answer(*s);
}

void WhipEndpoint::local_candidate(const std::string& room_id, const std::string& peer_id, media::PeerConnection pc,
                                   unsigned mline, const std::string& candidate) {
  if (pc != media::PeerConnection::Publish) return;
  WhipSession* s = session_of_peer(room_id, peer_id);
  if (!s || !s->pending) return;
  s->candidates.emplace_back(mline, candidate);
}

void WhipEndpoint::candidates_gathered(const std::string& room_id, const std::string& peer_id,
                                       media::PeerConnection pc) {
  if (pc != media::PeerConnection::Publish) return;
  WhipSession* s = session_of_peer(room_id, peer_id);
  if (!s || !s->pending) return;
  s->gathered = true;
  if (s->answer_ready()) send_answer(*s);
}

void WhipEndpoint::media_failed(const std::string& room_id, const std::string& peer_id, const media::Refusal& failure,
                                const std::string&) {
  WhipSession* s = session_of_peer(room_id, peer_id);
  if (!s) return;
  // Before the answer: the offer was refused. After: the connection never came up.
  GST_WARNING("WHIP %s: %s (%s)", s->id.c_str(), failure.what(), failure.code.c_str());
  end(s->id, failure.code == "invalid_sdp" ? 400 : 500, failure.code, failure.what());
}

}  // namespace convene::ingest
