// Threads: see recording_module.h.
#include "recording/recording_module.h"

#include <glib/gstdio.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "convene-build-config.h"
#include "http/error.h"
#include "rooms/room_access.h"
#include "rooms/room_record.h"
#include "rooms/room_repository.h"
#include "rooms/rooms_module.h"
#include "signaling/signaling_module.h"
#include "util/log.h"
#include "util/main_context.h"
#include "util/random.h"
#include "util/time.h"

#define GST_CAT_DEFAULT convene_recording_debug

namespace convene::recording {
namespace {

// Runs `fn` on the next main-loop iteration unless `alive` went false (an
// exception in it is logged there, not thrown through GLib).
void post(std::weak_ptr<bool> alive, std::function<void()> fn) {
  post_to_context(
      g_main_context_default(),
      [alive = std::move(alive), fn = std::move(fn)] {
        if (alive.lock()) fn();
      },
      convene_recording_debug);
}

GSourcePtr after_seconds(guint sec, std::function<void()> fn) {
  GSource* s = g_timeout_source_new_seconds(sec);
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

std::string dir_or_default(const std::string& configured, const std::string& data_dir, const char* sub) {
  if (!configured.empty()) return configured;
  g_autofree char* d = g_build_filename(data_dir.c_str(), sub, nullptr);
  return d;
}

CompositeOptions composite_options_of(const config::Config& cfg) {
  CompositeOptions options;
  options.width = static_cast<int>(cfg.get_int("recording", "width"));
  options.height = static_cast<int>(cfg.get_int("recording", "height"));
  options.framerate = static_cast<int>(cfg.get_int("recording", "framerate"));
  if (options.width < 16 || options.height < 16 || options.framerate < 1)
    throw std::runtime_error("[recording] width, height and framerate must be positive");
  return options;
}

std::optional<int64_t> file_size(const std::string& path) {
  GStatBuf st;
  if (g_stat(path.c_str(), &st) != 0) return std::nullopt;
  return static_cast<int64_t>(st.st_size);
}

// A file a crash left behind plays when it has a container header and at
// least one complete unit of media after it: a Matroska Cluster (WebM) or a
// movie fragment (fragmented MP4). Scans only until the first one.
bool playable_header(const std::string& path) {
  auto size = file_size(path);
  if (!size || *size < 1024) return false;
  FILE* f = fopen(path.c_str(), "rb");
  if (!f) return false;
  std::string data(64 * 1024, '\0');
  size_t n = fread(data.data(), 1, data.size(), f);
  data.resize(n);
  bool ebml = n >= 4 && memcmp(data.data(), "\x1a\x45\xdf\xa3", 4) == 0;
  bool iso = n >= 8 && memcmp(data.data() + 4, "ftyp", 4) == 0;
  std::string marker = ebml ? std::string("\x1f\x43\xb6\x75", 4) : std::string("moof");
  bool found = false;
  while ((ebml || iso) && !found && n > 0) {
    found = data.find(marker) != std::string::npos;
    // Keep a few bytes so a marker across two reads is still seen.
    std::string tail = data.size() > 3 ? data.substr(data.size() - 3) : data;
    data.assign(64 * 1024, '\0');
    n = fread(data.data(), 1, data.size(), f);
    data.resize(n);
    data = tail + data;
  }
  fclose(f);
  return found;
}

int64_t mtime_ms(const std::string& path) {
  GStatBuf st;
  if (g_stat(path.c_str(), &st) != 0) return 0;
  return static_cast<int64_t>(st.st_mtime) * 1000;
}

}  // namespace

struct RecordingModule::Active {
  RecordingRow row;
  std::unique_ptr<EncoderOutput> output;
  bool stopping = false;
  int64_t stopped_at = 0;
  std::vector<std::function<void(const RecordingRow&)>> waiters;
  GSourcePtr timeout;
  bool per_track = false;
  std::vector<std::unique_ptr<TrackRecorder>> track_files;  // live ones
  json::Array track_list;                                   // every file written, for the row
};

RecordingModule::RecordingModule(const Collaborators& with)
    : config_(with.config),
      store_(with.store),
      authenticator_(with.authenticator),
      signaling_(with.signaling),
      members_(with.store, with.authenticator),
      composites_(with.media, composite_options_of(with.config)),
      metrics_(with.metrics) {
  const config::Config& cfg = with.config;
  const std::string& data_dir = with.data_dir;
  enabled_ = cfg.get_bool("recording", "enabled");
  directory_ = dir_or_default(cfg.get_string("recording", "directory"), data_dir, "recordings");
  const std::string hls_directory = dir_or_default(cfg.get_string("recording", "hls_directory"), data_dir, "live");
  format_ = cfg.get_string("recording", "format");
  if (format_ != "webm" && format_ != "mp4") throw std::runtime_error("[recording] format must be webm or mp4");
  finalize_timeout_sec_ = std::max<int64_t>(1, cfg.get_int("recording", "finalize_timeout_sec"));
  Egress::Settings egress_settings;
  egress_settings.max_retries = static_cast<int>(cfg.get_int("recording", "rtmp_max_retries"));
  egress_settings.max_backoff_sec = static_cast<int>(std::max<int64_t>(1, cfg.get_int("recording", "rtmp_max_backoff_sec")));

  if (enabled_) {
    std::string dir = cfg.get_string("recording", "pipelines_dir");
    if (dir.empty()) dir = CONVENE_DEFAULT_PIPELINES_DIR;
    // A bad description stops start-up here, with the parser's message.
    pipelines_ = std::make_unique<PipelineLibrary>(dir, std::vector<std::string>{"recording-" + format_, "rtmp", "hls"});
    if (g_mkdir_with_parents(directory_.c_str(), 0700) != 0)
      throw std::runtime_error("cannot create recording directory " + directory_);
    if (g_mkdir_with_parents(hls_directory.c_str(), 0700) != 0)
      throw std::runtime_error("cannot create HLS directory " + hls_directory);
  }
  egress_ = std::make_unique<EgressApi>(EgressApi::Collaborators{
      .http = with.http,
      .members = members_,
      .composites = composites_,
      .pipelines = pipelines_.get(),
      .hls_directory = hls_directory,
      .settings = egress_settings,
      .signaling = with.signaling,
      .metrics = with.metrics,
      .released = [this](const std::string& room_id) { drop_composite_if_unused(room_id); },
  });
  if (with.media) media_listening_ = with.media->add_listener(*this);
  // A room ended by its host or the idle janitor finishes its recordings.
  if (with.rooms)
    room_ended_listening_ = with.rooms->add_room_ended_listener([this](const std::string& room_id) { end_room(room_id); });

  auto& http = with.http;
  http.route("POST", "/rooms/:id/recordings", [this](http::ExchangePtr ex) { start_recording(ex); });
  http.route("POST", "/rooms/:id/recordings/:rid/stop", [this](http::ExchangePtr ex) { stop_recording(ex); });
  http.route("GET", "/rooms/:id/recordings", [this](http::ExchangePtr ex) { list_recordings(ex); });
  http.route("GET", "/recordings/:rid", [this](http::ExchangePtr ex) { get_recording(ex); });
  http.route("GET", "/recordings/:rid/file", [this](http::ExchangePtr ex) { download(ex); });
  http.route("GET", "/recordings/:rid/tracks/:n/file", [this](http::ExchangePtr ex) { download_track(ex); });
  http.route("DELETE", "/recordings/:rid", [this](http::ExchangePtr ex) { delete_recording(ex); });

  if (with.store_ready) recover_unfinished();

  if (metrics_) metrics_collector_ = metrics_->registry.add_collector([this](metrics::Collection& c) {
    c.gauge("convene_recordings_active", "Recordings running now.", {}, static_cast<double>(recordings_.size()));
  });
}

RecordingModule::~RecordingModule() {
  if (metrics_) metrics_->registry.remove_collector(metrics_collector_);
  alive_.reset();  // pending idle callbacks see it and do nothing
  media_listening_.reset();
  room_ended_listening_.reset();
  egress_.reset();  // its outputs detach from the composites
  // Outputs detach before their composite goes.
  for (auto& [id, a] : recordings_)
    if (a->output) composites_.detach(a->row.room_id, *a->output);
  recordings_.clear();
  composites_.clear();
}

void RecordingModule::set_media_provider(media::RoomMediaProvider* media) {
  media_listening_.reset();
  composites_.set_media_provider(media);
  if (media) media_listening_ = media->add_listener(*this);
}

media::RoomMedia* RecordingModule::room_media(const std::string& room_id) const {
  media::RoomMediaProvider* media = composites_.media_provider();
  return media ? media->room_media(room_id) : nullptr;
}

// --- Recovery

void RecordingModule::recover_unfinished() {
  struct Fixed {
    std::string id, status;
  };
  // A cluster node recovers only files in its own directory: the others'
  // may be recording right now (a dead node's are failed by src/cluster).
  std::string own_prefix = config_.get_bool("cluster", "enabled") ? directory_ + "/" : "";
  // File checks and updates both on the worker: no disk I/O on the main loop.
  store_.run<std::vector<Fixed>>(
      [own_prefix](store::Connection& c) {
        std::vector<Fixed> out;
        for (const auto& row : recording_store::unfinished(c)) {
          if (!g_str_has_prefix(row.path.c_str(), own_prefix.c_str())) continue;
          bool ok = playable_header(row.path);
          auto size = file_size(row.path);
          std::optional<int64_t> duration;
          int64_t ended = ok ? mtime_ms(row.path) : timeutil::now_ms();
          if (ok && ended > row.started_at) duration = ended - row.started_at;
          recording_store::finish(c, row.id, ok ? "READY" : "FAILED", duration, size, ended,
                                  ok ? std::nullopt : std::optional<std::string>("the server stopped while recording"));
          out.push_back({row.id, ok ? "READY" : "FAILED"});
        }
        return out;
      },
      [](store::Outcome<std::vector<Fixed>> out) {
        if (!out.ok()) {
          GST_WARNING("cannot look for unfinished recordings: %s", out.error().what());
          return;
        }
        for (const auto& f : out.value())
          GST_INFO("recording %s left unfinished by the last run: %s", f.id.c_str(), f.status.c_str());
      });
}

// --- The room's composite

void RecordingModule::attach_live(const std::string& room_id, CompositeOutput& output) {
  RoomComposite& composite = composites_.for_room(room_id);
  try {
    composite.attach(output);
  } catch (...) {
    drop_composite_if_unused(room_id);
    throw;
  }
}

void RecordingModule::detach_live(const std::string& room_id, CompositeOutput& output) {
  composites_.detach(room_id, output);
  drop_composite_if_unused(room_id);
}

bool RecordingModule::valid_view_token(const std::string& room_id, const std::string& token) const {
  return egress_->valid_view_token(room_id, token);
}

void RecordingModule::drop_composite_if_unused(const std::string& room_id) {
  bool recording = false;
  for (auto& [id, a] : recordings_) recording = recording || a->row.room_id == room_id;
  composites_.drop_if_unused(room_id, recording || egress_->holds(room_id));
}

// --- Recordings

void RecordingModule::start_recording(http::ExchangePtr ex) {
  std::string room_id = ex->param("id");
  std::string layout = json::optional_string(ex->json_body(), "layout").value_or("grid");
  bool per_track = json::optional_bool(ex->json_body(), "perTrack").value_or(false);
  if (layout != "grid" && layout != "speaker") throw json::FieldError("layout", "'layout' must be grid or speaker");
  if (!enabled_) throw http::conflict("recording_disabled", "recording is turned off on this server");
  if (shutting_down_) throw http::Error(503, "shutting_down", "the server is shutting down");
  members_.then(ex, room_id, {.moderator = true, .media = true}, [this, ex, room_id, layout, per_track](
                                                                     const std::string& uid, const std::string&) {
    for (auto& [id, a] : recordings_)
      if (a->row.room_id == room_id) throw http::conflict("already_recording", "this room is being recorded");
    RoomComposite& composite = composites_.for_room(room_id);
    composite.set_layout(layout);
    auto a = std::make_unique<Active>();
    RecordingRow& row = a->row;
    row.id = random::uuid();
    row.room_id = room_id;
    row.layout = layout;
    row.status = "RECORDING";
    row.started_by = uid;
    row.started_at = timeutil::now_ms();
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char* stamp = g_date_time_format(now, "%Y%m%d-%H%M%S");
    row.filename = std::string("meeting-") + stamp + "." + format_;
    g_autofree char* path = g_build_filename(directory_.c_str(), (row.id + "." + format_).c_str(), nullptr);
    row.path = path;
    std::weak_ptr<bool> alive = alive_;
    std::string rid = row.id;
    try {
      a->output = std::make_unique<EncoderOutput>(
          "recording-" + rid, pipelines_->expand("recording-" + format_, {{"location", row.path}}),
          EncoderOutput::Events{
              [this, alive, rid] { post(alive, [this, rid] { finished(rid, true, ""); }); },
              [this, alive, rid](const std::string& e) { post(alive, [this, rid, e] { finished(rid, false, e); }); }});
      composite.attach(*a->output);
    } catch (const std::exception& e) {
      a->output.reset();
      drop_composite_if_unused(room_id);
      throw http::Error(500, "recording_failed", std::string("cannot start recording: ") + e.what());
    }
    a->per_track = per_track;
    if (per_track) {
      if (media::RoomMedia* m = room_media(room_id))
        for (const auto& t : m->tracks()) add_track_file(*a, t);
    }
    RecordingRow copy = row;
    recordings_[rid] = std::move(a);
    GST_INFO("room %s: recording %s started by %s", room_id.c_str(), rid.c_str(), uid.c_str());
    store_.run_void(
        [copy](store::Connection& c) { recording_store::insert(c, copy); },
        ex->guard([this, ex, copy](store::Outcome<store::Unit> out) {
          if (!out.ok()) {
            finish(copy.id, [](const RecordingRow&) {});
            throw out.error();
          }
          if (signaling_) {
            json::Object msg;
            msg.set("type", "recording-started").set("roomId", copy.room_id).set("recordingId", copy.id);
            if (copy.started_by) msg.set("startedBy", *copy.started_by);
            signaling_->broadcast(copy.room_id, std::move(msg));
          }
          ex->json(201, copy.to_json());
        }));
  });
}

void RecordingModule::finish(const std::string& recording_id, std::function<void(const RecordingRow&)> done) {
  auto it = recordings_.find(recording_id);
  if (it == recordings_.end()) return;
  Active& a = *it->second;
  if (done) a.waiters.push_back(std::move(done));
  if (a.stopping) return;
  a.stopping = true;
  a.stopped_at = timeutil::now_ms();
  if (a.output) {
    composites_.detach(a.row.room_id, *a.output);
    a.output->finish();
  }
  a.track_files.clear();  // Matroska plays without a trailer
  store_.run_void([id = recording_id](store::Connection& c) { recording_store::set_status(c, id, "PROCESSING"); },
                        [](store::Outcome<store::Unit>) {});
  a.timeout = after_seconds(static_cast<guint>(finalize_timeout_sec_), [this, recording_id] {
    GST_WARNING("recording %s did not finish in time; closing it as it is", recording_id.c_str());
    finished(recording_id, true, "");  // what is written plays (clusters/fragments are complete)
  });
}

void RecordingModule::finished(const std::string& recording_id, bool ok, const std::string& error) {
  auto it = recordings_.find(recording_id);
  if (it == recordings_.end()) return;
  std::unique_ptr<Active> a = std::move(it->second);
  recordings_.erase(it);
  if (a->output) composites_.detach(a->row.room_id, *a->output);
  a->output.reset();
  RecordingRow row = a->row;
  int64_t ended = a->stopped_at ? a->stopped_at : timeutil::now_ms();
  row.status = ok ? "READY" : "FAILED";
  if (metrics_) metrics_->recordings_finished.with({ok ? "ready" : "failed"}).inc();
  row.duration_ms = ended - row.started_at;
  row.file_size = file_size(row.path);
  row.ended_at = ended;
  if (!ok) row.error = error;
  a->track_files.clear();
  if (a->per_track) row.tracks = json::stringify(std::move(a->track_list).node().get());
  GST_INFO("recording %s: %s (%" G_GINT64_FORMAT " ms, %" G_GINT64_FORMAT " bytes)", row.id.c_str(),
           row.status.c_str(), *row.duration_ms, row.file_size.value_or(0));
  auto waiters = std::move(a->waiters);
  a->timeout.reset();  // may be the source running us: GLib keeps its callback alive until we return
  drop_composite_if_unused(row.room_id);
  store_.run_void(
      [row](store::Connection& c) {
        recording_store::finish(c, row.id, row.status, row.duration_ms, row.file_size, *row.ended_at, row.error,
                                row.tracks);
      },
      [this, alive = std::weak_ptr<bool>(alive_), row, waiters](store::Outcome<store::Unit> out) {
        if (!out.ok()) GST_WARNING("recording %s: cannot store its end: %s", row.id.c_str(), out.error().what());
        if (!alive.lock()) return;
        if (signaling_) {
          json::Object msg;
          msg.set("type", "recording-stopped").set("roomId", row.room_id).set("recordingId", row.id)
              .set("status", row.status);
          signaling_->broadcast(row.room_id, std::move(msg));
        }
        for (auto& w : waiters) w(row);
      });
}

void RecordingModule::stop_recording(http::ExchangePtr ex) {
  std::string room_id = ex->param("id"), rid = ex->param("rid");
  members_.then(ex, room_id, {.moderator = true}, [this, ex, room_id, rid](const std::string&, const std::string&) {
    auto it = recordings_.find(rid);
    if (it != recordings_.end() && it->second->row.room_id == room_id) {
      finish(rid, ex->guard([ex](const RecordingRow& row) { ex->json(200, row.to_json()); }));
      return;
    }
    // Not running here: answer with what the store knows.
    store_.run<std::optional<RecordingRow>>(
        [rid](store::Connection& c) { return recording_store::find(c, rid); },
        ex->guard([ex, room_id](store::Outcome<std::optional<RecordingRow>> out) {
          if (!out.ok()) throw out.error();
          if (!out.value() || out.value()->room_id != room_id) throw http::not_found("no such recording");
          ex->json(200, out.value()->to_json());
        }));
  });
}

void RecordingModule::list_recordings(http::ExchangePtr ex) {
  std::string room_id = ex->param("id");
  members_.then(ex, room_id, {}, [this, ex, room_id](const std::string&, const std::string&) {
    store_.run<std::vector<RecordingRow>>(
        [room_id](store::Connection& c) { return recording_store::for_room(c, room_id); },
        ex->guard([ex](store::Outcome<std::vector<RecordingRow>> out) {
          if (!out.ok()) throw out.error();
          json::Array list;
          for (const auto& r : out.value()) list.add(r.to_json());
          json::Object body;
          body.set("recordings", std::move(list));
          ex->json(200, std::move(body));
        }));
  });
}

namespace {
struct Found {
  std::optional<RecordingRow> row;
  std::optional<std::string> role;
  rooms::MemberAccess access;
};
Found find_with_role(store::Connection& c, const std::string& rid, const std::string& uid) {
  Found f{recording_store::find(c, rid), std::nullopt, {}};
  if (f.row) {
    f.access = rooms::room_store::member_access(c, f.row->room_id, uid);
    f.role = f.access.role;
  }
  return f;
}
// Only admitted members of the recording's room may see it.
const RecordingRow& require_readable(const Found& f) {
  if (!f.row) throw http::not_found("no such recording");
  if (!f.role) throw http::forbidden("you are not a member of this recording's room");
  rooms::require_admitted(f.access);
  return *f.row;
}
}  // namespace

void RecordingModule::get_recording(http::ExchangePtr ex) {
  auto who = authenticator_.require(*ex);
  store_.run<Found>([rid = ex->param("rid"), uid = who.id](store::Connection& c) { return find_with_role(c, rid, uid); },
                          ex->guard([ex](store::Outcome<Found> out) {
                            if (!out.ok()) throw out.error();
                            ex->json(200, require_readable(out.value()).to_json());
                          }));
}

void RecordingModule::add_track_file(Active& a, const media::TrackInfo& track) {
  media::RoomMedia* m = room_media(a.row.room_id);
  if (!m || (track.kind != "video" && track.kind != "audio")) return;
  std::string file = a.row.id + "-" + std::to_string(a.track_list.size()) + "-" + track.kind + ".mkv";
  g_autofree char* dir = g_path_get_dirname(a.row.path.c_str());
  g_autofree char* path = g_build_filename(dir, file.c_str(), nullptr);
  try {
    auto rec = std::make_unique<TrackRecorder>(*m, track, path);
    json::Object entry;
    entry.set("trackId", track.id).set("peerId", track.peer_id).set("username", track.username)
        .set("kind", track.kind).set("source", track.source).set("codec", rec->codec()).set("file", file);
    a.track_list.add(std::move(entry));
    a.track_files.push_back(std::move(rec));
  } catch (const std::exception& e) {
    GST_WARNING("recording %s: cannot record track %s on its own: %s", a.row.id.c_str(), track.id.c_str(), e.what());
  }
}

namespace {

// Sends a file (whole, or the one range asked for), mapped: not read into memory.
void serve_file(const http::ExchangePtr& ex, const std::string& path, const std::string& filename, const char* type) {
  g_autoptr(GError) err = nullptr;
  GMappedFile* mapped = g_mapped_file_new(path.c_str(), FALSE, &err);
  if (!mapped) throw http::Error(410, "file_gone", "the recording's file is gone");
  GBytesPtr all(g_mapped_file_get_bytes(mapped));
  g_mapped_file_unref(mapped);  // the bytes keep the mapping
  ex->add_header("Content-Disposition", "attachment; filename=\"" + filename + "\"");
  ex->ranged_bytes(type, all.get());
}

}  // namespace

void RecordingModule::download_track(http::ExchangePtr ex) {
  auto who = authenticator_.require(*ex);
  gint64 index = g_ascii_strtoll(ex->param("n").c_str(), nullptr, 10);
  store_.run<Found>(
      [rid = ex->param("rid"), uid = who.id](store::Connection& c) { return find_with_role(c, rid, uid); },
      ex->guard([ex, index](store::Outcome<Found> out) {
        if (!out.ok()) throw out.error();
        const RecordingRow& row = require_readable(out.value());
        if (row.status != "READY") throw http::conflict("not_ready", "the recording is not ready (" + row.status + ")");
        JsonNodePtr tracks = row.tracks ? json::parse(*row.tracks, nullptr) : nullptr;
        if (!tracks || !JSON_NODE_HOLDS_ARRAY(tracks.get()) || index < 0 ||
            index >= static_cast<gint64>(json_array_get_length(json_node_get_array(tracks.get()))))
          throw http::not_found("no such track file");
        JsonObject* t = json_array_get_object_element(json_node_get_array(tracks.get()), static_cast<guint>(index));
        std::string file = json_object_get_string_member_with_default(t, "file", "");
        if (file.empty() || file.find('/') != std::string::npos) throw http::not_found("no such track file");
        g_autofree char* dir = g_path_get_dirname(row.path.c_str());
        g_autofree char* path = g_build_filename(dir, file.c_str(), nullptr);
        bool video = g_strcmp0(json_object_get_string_member_with_default(t, "kind", ""), "video") == 0;
        serve_file(ex, path, file, video ? "video/x-matroska" : "audio/x-matroska");
      }));
}

void RecordingModule::download(http::ExchangePtr ex) {
  auto who = authenticator_.require(*ex);
  store_.run<Found>(
      [rid = ex->param("rid"), uid = who.id](store::Connection& c) { return find_with_role(c, rid, uid); },
      ex->guard([ex](store::Outcome<Found> out) {
        if (!out.ok()) throw out.error();
        const RecordingRow& row = require_readable(out.value());
        if (row.status != "READY") throw http::conflict("not_ready", "the recording is not ready (" + row.status + ")");
        serve_file(ex, row.path, row.filename, g_str_has_suffix(row.path.c_str(), ".mp4") ? "video/mp4" : "video/webm");
      }));
}

void RecordingModule::delete_recording(http::ExchangePtr ex) {
  auto who = authenticator_.require(*ex);
  std::string rid = ex->param("rid");
  store_.run<Found>([rid, uid = who.id](store::Connection& c) { return find_with_role(c, rid, uid); },
                          ex->guard([this, ex, rid, uid = who.id](store::Outcome<Found> out) {
                            if (!out.ok()) throw out.error();
                            const RecordingRow& row = require_readable(out.value());
                            if (!rooms::can_moderate(*out.value().role) && row.started_by != uid)
                              throw http::forbidden("only the host, a co-host or who started it can delete a recording");
                            if (recordings_.count(rid))
                              throw http::conflict("recording_active", "stop the recording before deleting it");
                            std::vector<std::string> paths = {row.path};
                            JsonNodePtr tracks = row.tracks ? json::parse(*row.tracks, nullptr) : nullptr;
                            if (tracks && JSON_NODE_HOLDS_ARRAY(tracks.get())) {
                              g_autofree char* dir = g_path_get_dirname(row.path.c_str());
                              JsonArray* list = json_node_get_array(tracks.get());
                              for (guint i = 0; i < json_array_get_length(list); ++i) {
                                std::string f = json_object_get_string_member_with_default(
                                    json_array_get_object_element(list, i), "file", "");
                                if (f.empty() || f.find('/') != std::string::npos) continue;
                                g_autofree char* p = g_build_filename(dir, f.c_str(), nullptr);
                                paths.push_back(p);
                              }
                            }
                            store_.run_void(
                                [rid, paths](store::Connection& c) {
                                  recording_store::remove(c, rid);
                                  for (const auto& p : paths) g_unlink(p.c_str());
                                },
                                ex->guard([ex](store::Outcome<store::Unit> o) {
                                  if (!o.ok()) throw o.error();
                                  ex->no_content();
                                }));
                          }));
}

// --- Room media and the room's life

void RecordingModule::track_added(const media::TrackInfo& track) {
  composites_.track_added(track);
  for (auto& [id, a] : recordings_)
    if (a->row.room_id == track.room_id && a->per_track && !a->stopping) add_track_file(*a, track);
}

void RecordingModule::track_removed(const media::TrackInfo& track) {
  composites_.track_removed(track);
  // The track's own file ends with it (its tee pad goes back now).
  for (auto& [id, a] : recordings_) {
    auto& files = a->track_files;
    files.erase(std::remove_if(files.begin(), files.end(),
                               [&](const std::unique_ptr<TrackRecorder>& r) { return r->track().id == track.id; }),
                files.end());
  }
}

void RecordingModule::track_muted(const media::TrackInfo& track) { composites_.track_muted(track); }

void RecordingModule::active_speaker_changed(const std::string& room_id, const std::string& peer_id) {
  composites_.active_speaker_changed(room_id, peer_id);
}

void RecordingModule::room_media_closing(const std::string& room_id) {
  // The pads go back now (the room's pipeline is about to stop); the files
  // then finish with what they have.
  composites_.room_media_closing(room_id);
  for (auto& [id, a] : recordings_)
    if (a->row.room_id == room_id) a->track_files.clear();
  end_room(room_id);
}

void RecordingModule::end_room(const std::string& room_id) {
  std::vector<std::string> ids;
  for (auto& [id, a] : recordings_)
    if (a->row.room_id == room_id) ids.push_back(id);
  for (auto& id : ids) finish(id, nullptr);
  egress_->stop_room(room_id);
  drop_composite_if_unused(room_id);
}

void RecordingModule::shutdown(std::function<void()> done) {
  shutting_down_ = true;
  // Finish (and store) within the server's own shutdown bound, so files are
  // marked READY before the store closes.
  int64_t bound = config_.get_int("server", "shutdown_timeout_sec") - 2;
  finalize_timeout_sec_ = std::max<int64_t>(1, std::min(finalize_timeout_sec_, bound));
  egress_->shut_down();
  if (recordings_.empty()) {
    done();
    return;
  }
  auto pending = std::make_shared<size_t>(recordings_.size());
  auto shared_done = std::make_shared<std::function<void()>>(std::move(done));
  std::vector<std::string> ids;
  for (auto& [id, a] : recordings_) ids.push_back(id);
  GST_INFO("finishing %zu recordings before exit", ids.size());
  for (auto& id : ids)
    finish(id, [pending, shared_done](const RecordingRow&) {
      if (--*pending == 0) (*shared_done)();
    });
}

}  // namespace convene::recording
