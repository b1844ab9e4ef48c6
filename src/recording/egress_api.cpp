// Threads: see egress_api.h.
#include "recording/egress_api.h"

#include <glib/gstdio.h>

#include "http/error.h"
#include "rooms/room_access.h"
#include "signaling/signaling_module.h"
#include "util/log.h"
#include "util/main_context.h"
#include "util/random.h"

#define GST_CAT_DEFAULT convene_recording_debug

namespace convene::recording {
namespace {

bool valid_rtmp_url(const std::string& url) {
  if (url.rfind("rtmp://", 0) != 0 && url.rfind("rtmps://", 0) != 0) return false;
  if (url.size() > 2048) return false;
  for (char c : url)
    if (c == '"' || c == '\\' || c == ' ' || static_cast<unsigned char>(c) < 0x20) return false;
  return true;
}

bool valid_live_name(const std::string& name) {
  if (name == "index.m3u8") return true;
  if (name.rfind("segment", 0) != 0 || name.size() < 11 || name.substr(name.size() - 3) != ".ts") return false;
  for (char c : name.substr(7, name.size() - 10))
    if (!g_ascii_isdigit(c)) return false;
  return true;
}

// The URLs of an HLS egress, as its room's members see them.
void add_hls_urls(json::Object& o, const Egress& e, bool with_view_link) {
  o.set("playlistUrl", "/live/" + e.room_id() + "/index.m3u8");
  if (with_view_link && !e.view_token.empty()) {
    o.set("viewUrl", "/live/" + e.room_id() + "/index.m3u8?view=" + e.view_token);
    o.set("watchUrl", "/watch/" + e.room_id() + "?view=" + e.view_token);  // WHEP, HLS as fallback
  }
}

}  // namespace

EgressApi::EgressApi(Collaborators with)
    : members_(with.members),
      composites_(with.composites),
      pipelines_(with.pipelines),
      hls_directory_(std::move(with.hls_directory)),
      settings_(with.settings),
      signaling_(with.signaling),
      metrics_(with.metrics),
      released_(std::move(with.released)) {
  auto& http = with.http;
  http.route("POST", "/rooms/:id/egress", [this](http::ExchangePtr ex) { start(ex); });
  http.route("GET", "/rooms/:id/egress", [this](http::ExchangePtr ex) { list(ex); });
  http.route("GET", "/rooms/:id/egress/:eid", [this](http::ExchangePtr ex) { get(ex); });
  http.route("DELETE", "/rooms/:id/egress/:eid", [this](http::ExchangePtr ex) { remove(ex); });
  http.route("GET", "/live/:roomId/:file", [this](http::ExchangePtr ex) { live_file(ex); });

  if (metrics_) metrics_collector_ = metrics_->registry.add_collector([this](metrics::Collection& c) {
    auto label = [](Egress::Status s) {
      g_autofree char* lower = g_ascii_strdown(Egress::status_name(s), -1);
      return std::string(lower);
    };
    std::map<std::string, double> by_status;
    for (auto s : {Egress::Status::Connecting, Egress::Status::Live, Egress::Status::Retrying, Egress::Status::Failed})
      by_status[label(s)] = 0;
    for (const auto& [id, e] : egresses_) by_status[label(e->status())]++;
    for (const auto& [status, n] : by_status)
      c.gauge("convene_egress_outputs", "RTMP/HLS egress outputs now, by status.", {{"status", status}}, n);
  });
}

EgressApi::~EgressApi() {
  if (metrics_) metrics_->registry.remove_collector(metrics_collector_);
  alive_.reset();
  egresses_.clear();  // each detaches its output
}

bool EgressApi::holds(const std::string& room_id) const {
  for (const auto& [id, e] : egresses_)
    if (e->room_id() == room_id && e->status() != Egress::Status::Failed) return true;
  return false;
}

bool EgressApi::valid_view_token(const std::string& room_id, const std::string& token) const {
  if (token.empty()) return false;
  for (const auto& [id, e] : egresses_)
    if (e->room_id() == room_id && e->kind() == "hls" && !e->view_token.empty() && e->view_token == token) return true;
  return false;
}

void EgressApi::stop(const std::string& egress_id) {
  auto it = egresses_.find(egress_id);
  if (it == egresses_.end()) return;
  std::string room = it->second->room_id();
  egresses_.erase(it);  // detaches its output
  released_(room);
}

void EgressApi::stop_room(const std::string& room_id) {
  std::vector<std::string> ids;
  for (const auto& [id, e] : egresses_)
    if (e->room_id() == room_id) ids.push_back(id);
  for (const auto& id : ids) stop(id);
}

void EgressApi::shut_down() {
  shutting_down_ = true;
  std::vector<std::string> ids;
  for (const auto& [id, e] : egresses_) ids.push_back(id);
  for (const auto& id : ids) stop(id);
}

void EgressApi::start(http::ExchangePtr ex) {
  std::string room_id = ex->param("id");
  JsonObject* body = ex->json_body();
  std::string kind = json::optional_string(body, "kind").value_or("");
  std::string url = json::optional_string(body, "url").value_or("");
  bool view_link = json::optional_bool(body, "viewLink").value_or(false);
  if (kind != "rtmp" && kind != "hls") throw json::FieldError("kind", "'kind' must be rtmp or hls");
  if (kind == "rtmp" && !valid_rtmp_url(url))
    throw json::FieldError("url", "'url' must be an rtmp:// or rtmps:// URL without spaces or quotes");
  if (!pipelines_) throw http::conflict("recording_disabled", "recording and streaming are turned off on this server");
  if (shutting_down_) throw http::Error(503, "shutting_down", "the server is shutting down");
  members_.then(ex, room_id, {.moderator = true, .media = true}, [this, ex, room_id, kind, url, view_link](
                                                                     const std::string& uid, const std::string&) {
    std::string target = url;
    if (kind == "hls") {
      for (auto& [id, e] : egresses_)
        if (e->room_id() == room_id && e->kind() == "hls")
          throw http::conflict("already_streaming", "this room already has an HLS stream");
      g_autofree char* dir = g_build_filename(hls_directory_.c_str(), room_id.c_str(), nullptr);
      target = dir;
      // A fresh directory: segments of an earlier stream must not be served.
      g_autoptr(GDir) old = g_dir_open(dir, 0, nullptr);
      while (const char* n = old ? g_dir_read_name(old) : nullptr) {
        g_autofree char* p = g_build_filename(dir, n, nullptr);
        g_unlink(p);
      }
      g_mkdir_with_parents(dir, 0700);
    }
    RoomComposite& composite = composites_.for_room(room_id);
    std::string description = kind == "rtmp" ? pipelines_->expand("rtmp", {{"url", url}})
                                             : pipelines_->expand("hls", {{"dir", target}});
    std::string id = random::uuid();
    auto e = std::make_unique<Egress>(id, room_id, kind, target, description, settings_, composite,
                                      [this](Egress& eg) { changed(eg); });
    e->created_by = uid;
    if (kind == "hls" && view_link) e->view_token = random::hex_token(16);
    Egress* raw = e.get();
    egresses_[id] = std::move(e);
    raw->start();
    json::Object o = raw->to_json();
    if (kind == "rtmp") o.set("url", url);
    if (kind == "hls") add_hls_urls(o, *raw, true);
    ex->json(201, std::move(o));
  });
}

void EgressApi::changed(Egress& e) {
  if (signaling_) {
    json::Object msg = e.to_json();
    msg.set("type", "egress-status");
    msg.set("egressId", e.id());
    signaling_->send_to_hosts(e.room_id(), std::move(msg));
  }
  if (e.status() == Egress::Status::Failed) {
    // Nothing of it runs any more; the composite may go if it was the last
    // user. Later: the egress is in the middle of telling us.
    post_to_context(
        g_main_context_default(),
        [this, alive = std::weak_ptr<bool>(alive_), room = e.room_id()] {
          if (alive.lock()) released_(room);
        },
        convene_recording_debug);
  }
}

void EgressApi::list(http::ExchangePtr ex) {
  std::string room_id = ex->param("id");
  members_.then(ex, room_id, {}, [this, ex, room_id](const std::string&, const std::string& role) {
    json::Array list;
    for (auto& [id, e] : egresses_) {
      if (e->room_id() != room_id) continue;
      json::Object o = e->to_json();
      if (e->kind() == "rtmp" && rooms::can_moderate(role)) o.set("url", e->target());  // stream keys are secrets
      if (e->kind() == "hls") add_hls_urls(o, *e, false);
      list.add(std::move(o));
    }
    json::Object body;
    body.set("egress", std::move(list));
    ex->json(200, std::move(body));
  });
}

void EgressApi::get(http::ExchangePtr ex) {
  std::string room_id = ex->param("id"), eid = ex->param("eid");
  members_.then(ex, room_id, {}, [this, ex, room_id, eid](const std::string&, const std::string& role) {
    auto it = egresses_.find(eid);
    if (it == egresses_.end() || it->second->room_id() != room_id) throw http::not_found("no such egress");
    Egress& e = *it->second;
    json::Object o = e.to_json();
    if (e.kind() == "rtmp" && rooms::can_moderate(role)) o.set("url", e.target());
    if (e.kind() == "hls") add_hls_urls(o, e, true);
    ex->json(200, std::move(o));
  });
}

void EgressApi::remove(http::ExchangePtr ex) {
  std::string room_id = ex->param("id"), eid = ex->param("eid");
  members_.then(ex, room_id, {.moderator = true}, [this, ex, room_id, eid](const std::string&, const std::string&) {
    auto it = egresses_.find(eid);
    if (it == egresses_.end() || it->second->room_id() != room_id) throw http::not_found("no such egress");
    GST_INFO("room %s: egress %s stopped by a host", room_id.c_str(), eid.c_str());
    stop(eid);
    ex->no_content();
  });
}

void EgressApi::live_file(http::ExchangePtr ex) {
  std::string room_id = ex->param("roomId"), name = ex->param("file");
  if (!valid_live_name(name)) throw http::not_found("no such file");
  // Who holds the view link of the room's HLS stream may watch without signing in.
  std::string token;
  if (auto view = ex->query("view")) {
    if (!valid_view_token(room_id, *view)) throw http::forbidden("this view link is not valid");
    token = *view;
  }
  auto serve = [this, ex, room_id, name, token] {
    g_autofree char* path = g_build_filename(hls_directory_.c_str(), room_id.c_str(), name.c_str(), nullptr);
    g_autofree char* data = nullptr;
    gsize size = 0;
    if (!g_file_get_contents(path, &data, &size, nullptr)) throw http::not_found("no such file");
    bool playlist = name == "index.m3u8";
    std::string body(data, size);
    if (playlist && !token.empty()) {
      // Segment URIs carry the link on, so a player needs nothing but the playlist URL.
      std::string rewritten;
      g_auto(GStrv) lines = g_strsplit(body.c_str(), "\n", -1);
      for (char** l = lines; *l; ++l) {
        std::string line = *l;
        if (!line.empty() && line[0] != '#') line += "?view=" + token;
        rewritten += line;
        if (*(l + 1)) rewritten += "\n";
      }
      body = rewritten;
    }
    GBytesPtr bytes(g_bytes_new(body.data(), body.size()));
    ex->add_header("Cache-Control", playlist ? "no-cache" : "max-age=60");
    if (playlist)
      ex->bytes(200, "application/vnd.apple.mpegurl", bytes.get());
    else
      ex->ranged_bytes("video/mp2t", bytes.get());  // a player may fetch a segment in parts
  };
  if (!token.empty()) {
    serve();
    return;
  }
  members_.then(ex, room_id, {}, [serve](const std::string&, const std::string&) { serve(); });
}

}  // namespace convene::recording
