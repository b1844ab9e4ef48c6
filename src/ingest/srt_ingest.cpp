#include "ingest/srt_ingest.h"

#include <srt/access_control.h>

#include <chrono>
#include <future>
#include <optional>
#include <vector>

#include "ingest/ingest_key_repository.h"
#include "ingest/ingest_log.h"
#include "ingest/srt_stream_id.h"
#include "rooms/room_repository.h"
#include "rooms/rooms_module.h"
#include "signaling/signaling_module.h"
#include "util/main_context.h"

#define GST_CAT_DEFAULT convene_ingest_debug

namespace convene::ingest {
namespace {

// The live role of an ingest publisher: it sends media, it never moderates.
constexpr const char* kRole = "PRESENTER";
// How long a handshake waits for the store before the caller is turned away.
constexpr auto kCheckTimeout = std::chrono::seconds(3);

// Whether the stream id's room takes this key's publisher, and with what.
struct Admission {
  int reject = 0;  // 0 or an SRT_REJX_* code
  std::string why;
  std::optional<rooms::RoomRecord> room;
  std::optional<IngestKey> key;
};

// Runs on a store worker. The same rules as a WHIP POST.
Admission admit(store::Connection& c, const SrtStreamId& id) {
  Admission a;
  a.room = rooms::room_store::find(c, id.room_id);
  if (!a.room) return {SRT_REJX_NOTFOUND, "no such room", std::nullopt, std::nullopt};
  a.key = ingest_key_store::find_by_secret(c, id.room_id, id.key);
  if (!a.key) return {SRT_REJX_UNAUTHORIZED, "unknown or revoked key", std::nullopt, std::nullopt};
  if (!a.room->is_active) return {SRT_REJX_CONFLICT, "the room has ended", std::nullopt, std::nullopt};
  if (std::string(a.room->media_mode()) != "sfu")
    return {SRT_REJX_CONFLICT, "a one-to-one room takes no publisher", std::nullopt, std::nullopt};
  if (a.room->e2ee) return {SRT_REJX_CONFLICT, "the room's media is end-to-end encrypted", std::nullopt, std::nullopt};
  return a;
}

}  // namespace

SrtIngest::SrtIngest(const Collaborators& with)
    : store_(with.store), signaling_(with.signaling), media_(with.media), video_codec_(with.video_codec) {
  // The room ended: its publishers go with it.
  room_ended_ = with.rooms.add_room_ended_listener([this](const std::string& room_id) {
    std::vector<int> socks;
    for (const auto& [sock, s] : sessions_)
      if (s->room_id == room_id) socks.push_back(sock);
    for (int sock : socks) end(sock, "the room ended");
  });
  // A host removed the publisher (kick): its connection is closed.
  peer_removed_ = signaling_.add_remote_peer_removed_listener([this](const std::string& room_id,
                                                                     const std::string& peer_id) {
    for (const auto& [sock, s] : sessions_)
      if (s->room_id == room_id && s->peer_id == peer_id) {
        s->peer_id.clear();  // already out of the room
        end(sock, "a host removed it");
        return;
      }
  });
  std::weak_ptr<SrtIngest*> weak = alive_;
  listener_ = std::make_unique<SrtListener>(
      with.listener, [this](const std::string& stream_id) { return check(stream_id); },
      [weak](int sock, const std::string& stream_id) {
        post_to_context(g_main_context_default(), [weak, sock, stream_id] {
          if (auto self = weak.lock()) (*self)->accepted(sock, stream_id);
        }, convene_ingest_debug);
      },
      [weak](int sock) {
        post_to_context(g_main_context_default(), [weak, sock] {
          if (auto self = weak.lock()) (*self)->end(sock, "the caller's connection ended");
        }, convene_ingest_debug);
      });
}

SrtIngest::~SrtIngest() {
  room_ended_ = ListenerToken();
  peer_removed_ = ListenerToken();
  std::vector<int> socks;
  for (const auto& [sock, s] : sessions_) socks.push_back(sock);
  for (int sock : socks) end(sock, "the server is shutting down");
}

int SrtIngest::check(const std::string& stream_id) {
  std::optional<SrtStreamId> id = parse_srt_stream_id(stream_id);
  if (!id) {
    GST_INFO("SRT caller refused: stream id '%s' is not #!::r=<room>,k=<key>", stream_id.c_str());
    return SRT_REJX_BAD_REQUEST;
  }
  // The store's worker answers this thread directly (not through the main
  // loop): the handshake is held only as long as the query takes.
  auto answer = std::make_shared<std::promise<Admission>>();
  std::future<Admission> admission = answer->get_future();
  store_.run<bool>(
      [answer, id = *id](store::Connection& c) {
        try {
          answer->set_value(admit(c, id));
        } catch (...) {
          answer->set_exception(std::current_exception());
        }
        return true;
      },
      [](store::Outcome<bool>) {});
  if (admission.wait_for(kCheckTimeout) != std::future_status::ready) {
    GST_WARNING("SRT caller for room %s refused: the store did not answer in time", id->room_id.c_str());
    return SRT_REJX_ISE;
  }
  try {
    Admission a = admission.get();
    if (a.reject) GST_INFO("SRT caller for room %s refused: %s", id->room_id.c_str(), a.why.c_str());
    return a.reject;
  } catch (const std::exception& e) {
    GST_WARNING("SRT caller for room %s refused: %s", id->room_id.c_str(), e.what());
    return SRT_REJX_ISE;
  }
}

void SrtIngest::accepted(int sock, const std::string& stream_id) {
  std::optional<SrtStreamId> id = parse_srt_stream_id(stream_id);
  if (!id) return listener_->close(sock);
  std::weak_ptr<SrtIngest*> weak = alive_;
  store_.run<Admission>([id = *id](store::Connection& c) { return admit(c, id); },
                        [weak, sock](store::Outcome<Admission> out) {
                          auto alive = weak.lock();
                          if (!alive) return;
                          SrtIngest& self = **alive;
                          if (!out.ok() || out.value().reject) {
                            GST_INFO("SRT caller %d closed: %s", sock,
                                     out.ok() ? out.value().why.c_str() : out.error().what());
                            return self.listener_->close(sock);
                          }
                          const Admission& a = out.value();
                          auto s = std::make_unique<SrtSession>();
                          s->sock = sock;
                          s->room_id = a.room->id;
                          s->key_id = a.key->id;
                          s->name = a.key->name;
                          try {
                            s->transcoder = std::make_unique<SrtTranscoder>(
                                "srt-" + std::to_string(sock), self.video_codec_,
                                [&self, sock](const std::string& kind) { self.track_found(sock, kind); },
                                [&self, sock](const std::string& message) { self.end(sock, "its stream failed: " + message); });
                          } catch (const std::exception& e) {
                            GST_ERROR("SRT caller %d: %s", sock, e.what());
                            return self.listener_->close(sock);
                          }
                          SrtSession& session = *(self.sessions_[sock] = std::move(s));
                          session.peer_id = self.signaling_.enter_room_remote(*a.room, "ingest:" + a.key->id,
                                                                              a.key->name, kRole);
                          GST_INFO("SRT caller %d: %s (key %s) publishes into room %s as peer %s", sock,
                                   session.name.c_str(), session.key_id.c_str(), session.room_id.c_str(),
                                   session.peer_id.c_str());
                          SrtTranscoder* transcoder = session.transcoder.get();
                          // Closed (under the listener's lock) before the transcoder goes: see end().
                          self.listener_->attach(sock, [transcoder](const uint8_t* data, size_t size) {
                            transcoder->push(data, size);
                          });
                        });
}

void SrtIngest::track_found(int sock, const std::string& kind) {
  auto it = sessions_.find(sock);
  if (it == sessions_.end()) return;
  SrtSession& s = *it->second;
  try {
    s.transcoder->set_output(kind, media_.publish_local(s.room_id, s.peer_id, s.transcoder->track(kind)));
  } catch (const media::Refusal& r) {
    end(sock, std::string("media refused its ") + kind + ": " + r.what());
  }
}

void SrtIngest::end(int sock, const std::string& why) {
  auto it = sessions_.find(sock);
  if (it == sessions_.end()) return;
  std::unique_ptr<SrtSession> s = std::move(it->second);
  sessions_.erase(it);
  GST_INFO("SRT caller %d (%s) ends in room %s: %s", sock, s->name.c_str(), s->room_id.c_str(), why.c_str());
  listener_->close(sock);  // no more data into the transcoder
  if (!s->peer_id.empty()) signaling_.leave_room_remote(s->room_id, s->peer_id);
  s->transcoder.reset();
}

void SrtIngest::key_revoked(const std::string& room_id, const std::string& key_id) {
  std::vector<int> socks;
  for (const auto& [sock, s] : sessions_)
    if (s->room_id == room_id && s->key_id == key_id) socks.push_back(sock);
  for (int sock : socks) end(sock, "its key was revoked");
}

}  // namespace convene::ingest
