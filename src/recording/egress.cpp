// Threads: see egress.h.
#include "recording/egress.h"

#include <glib/gstdio.h>

#include <algorithm>

#include "util/log.h"

#define GST_CAT_DEFAULT convene_recording_debug

namespace convene::recording {
namespace {

// More than the RTMP handshake and commands: media is flowing.
constexpr guint64 kLiveBytes = 32 * 1024;

// A main-loop timer calling `fn` (kept alive by the source) until it returns false.
GSourcePtr timer(guint ms, std::function<bool()> fn) {
  GSource* s = g_timeout_source_new(ms);
  auto* f = new std::function<bool()>(std::move(fn));
  g_source_set_callback(
      s, [](gpointer d) -> gboolean { return (*static_cast<std::function<bool()>*>(d))() ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE; },
      f, [](gpointer d) { delete static_cast<std::function<bool()>*>(d); });
  g_source_attach(s, g_main_context_default());
  return GSourcePtr(s);
}

}  // namespace

Egress::Egress(std::string id, std::string room_id, std::string kind, std::string target, std::string description,
               Settings settings, RoomComposite& composite, std::function<void(Egress&)> changed)
    : id_(std::move(id)),
      room_id_(std::move(room_id)),
      kind_(std::move(kind)),
      target_(std::move(target)),
      description_(std::move(description)),
      settings_(settings),
      composite_(composite),
      changed_(std::move(changed)) {}

Egress::~Egress() {
  retry_timer_.reset();
  poll_timer_.reset();
  failure_idle_.reset();
  drop_output();
}

const char* Egress::status_name(Status s) {
  switch (s) {
    case Status::Connecting: return "CONNECTING";
    case Status::Live: return "LIVE";
    case Status::Retrying: return "RETRYING";
    case Status::Failed: return "FAILED";
  }
  return "FAILED";
}

json::Object Egress::to_json() const {
  json::Object o;
  o.set("id", id_).set("roomId", room_id_).set("kind", kind_).set("status", status_name(status_));
  if (!last_error_.empty()) o.set("error", last_error_);
  return o;
}

void Egress::start() { connect(); }

void Egress::set_status(Status s) {
  if (s == status_) return;
  status_ = s;
  GST_INFO("egress %s (%s, room %s): %s", id_.c_str(), kind_.c_str(), room_id_.c_str(), status_name(s));
  if (changed_) changed_(*this);
}

void Egress::drop_output() {
  if (!output_) return;
  composite_.detach(*output_);
  output_.reset();
}

void Egress::connect() {
  drop_output();
  attempts_++;
  set_status(failures_ > 0 ? Status::Retrying : Status::Connecting);
  try {
    output_ = std::make_unique<EncoderOutput>(
        "egress-" + id_, description_,
        EncoderOutput::Events{nullptr, [this](const std::string& e) {
                                // Out of the output's bus callback before it is destroyed.
                                last_error_ = e;
                                failure_idle_ = timer(0, [this] {
                                  failure_idle_.reset();  // safe in its own dispatch: GLib holds the callback
                                  failed(last_error_);
                                  return false;
                                });
                              }});
    composite_.attach(*output_);
  } catch (const std::exception& e) {
    failed(e.what());
    return;
  }
  poll_timer_ = timer(250, [this] { return !check_live(); });
}

bool Egress::check_live() {
  if (!output_) return true;
  bool live = false;
  if (kind_ == "rtmp") {
    // Media went out on an established connection: the stream is up. (Bytes
    // acknowledged would come late: receivers ack per window, nginx every 5 MB.)
    if (GstElement* sink = output_->find_by_factory("rtmp2sink")) {
      GstStructure* stats = nullptr;
      g_object_get(sink, "stats", &stats, nullptr);
      guint64 sent = 0;
      if (stats) {
        gst_structure_get_uint64(stats, "out-bytes-total", &sent);
        gst_structure_free(stats);
      }
      live = sent > kLiveBytes;
    }
  } else {
    g_autofree char* playlist = g_build_filename(target_.c_str(), "index.m3u8", nullptr);
    live = g_file_test(playlist, G_FILE_TEST_EXISTS);
  }
  if (!live) return false;
  failures_ = 0;
  last_error_.clear();
  set_status(Status::Live);
  poll_timer_.reset();  // we run inside it: GLib keeps the callback alive until we return
  return true;
}

void Egress::failed(const std::string& error) {
  poll_timer_.reset();
  drop_output();
  last_error_ = error;
  failures_++;
  GST_WARNING("egress %s: attempt %d failed: %s", id_.c_str(), attempts_, error.c_str());
  if (settings_.max_retries > 0 && failures_ > settings_.max_retries) {
    set_status(Status::Failed);
    return;
  }
  int backoff = std::min(settings_.max_backoff_sec, 1 << std::min(failures_ - 1, 10));
  set_status(Status::Retrying);
  retry_timer_ = timer(static_cast<guint>(backoff) * 1000, [this] {
    retry_timer_.reset();
    connect();
    return false;
  });
}

}  // namespace convene::recording
