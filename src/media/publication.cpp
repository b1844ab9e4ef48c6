#include "media/publication.h"

#include <cmath>
#include <limits>

#include <gst/rtp/gstrtpbuffer.h>
#include <gst/video/video-event.h>

#include "keyframe_request.h"

#include "media/audio_level_reader.h"
#include "media/pad_util.h"
#include "util/gobject_ptr.h"
#include "util/gst_object_ptr.h"
#include "util/log.h"

#define GST_CAT_DEFAULT convene_media_debug

namespace convene::media {

Publication::Publication(GstBin* pipeline, TrackInfo info, GstElement* tee, std::string encoding_name,
                         unsigned serial, int layer, unsigned declared_layers, int audio_level_id)
    : info_(std::move(info)),
      tee_(retain_gst(tee)),
      encoding_name_(std::move(encoding_name)),
      serial_(serial),
      declared_layers_(layer >= 0 ? (declared_layers | (1u << layer)) : 0) {
  add_feed(layer, tee);
  if (info_.kind != "audio" || g_ascii_strcasecmp(encoding_name_.c_str(), "OPUS") != 0) return;
  if (audio_level_id > 0 && audio_level_id <= 14) read_level_extension(audio_level_id);
  else add_level_meter(pipeline);
}

const char* Publication::level_source() const {
  return audio_level_id_ ? "header" : level_bin_ ? "decoder" : "";
}

void Publication::read_level_extension(int id) {
  audio_level_id_ = id;
  header_level_ = std::make_shared<std::atomic<double>>(std::numeric_limits<double>::quiet_NaN());
  struct Reader {
    int id;
    std::shared_ptr<std::atomic<double>> latest;
    AudioLevelReader levels;
  };
  g_autoptr(GstPad) tee_sink = gst_element_get_static_pad(tee_.get(), "sink");
  // On the publisher's streaming thread: at most one packet in 20 ms is
  // parsed, and a reading is left every 100 ms for the room's level timer.
  // Posting each to the bus cost a write() to wake the main loop per reading
  // (~1 % of the server in a room of four, most of it the syscall).
  gst_pad_add_probe(
      tee_sink, GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad*, GstPadProbeInfo* info, gpointer data) {
        auto& r = *static_cast<Reader*>(data);
        const int64_t now_us = g_get_monotonic_time();
        if (!r.levels.wants(now_us)) return GST_PAD_PROBE_OK;
        GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
        if (!gst_rtp_buffer_map(GST_PAD_PROBE_INFO_BUFFER(info), GST_MAP_READ, &rtp)) return GST_PAD_PROBE_OK;
        gpointer bytes = nullptr;
        guint size = 0;
        int level = -1;
        if (gst_rtp_buffer_get_extension_onebyte_header(&rtp, static_cast<guint8>(r.id), 0, &bytes, &size) &&
            size >= 1)
          level = static_cast<const guint8*>(bytes)[0] & 0x7f;  // bit 7 is the voice-activity flag
        gst_rtp_buffer_unmap(&rtp);
        if (level < 0) return GST_PAD_PROBE_OK;
        if (auto db = r.levels.add(level, now_us)) r.latest->store(*db, std::memory_order_relaxed);
        return GST_PAD_PROBE_OK;
      },
      new Reader{id, header_level_, AudioLevelReader()}, [](gpointer data) { delete static_cast<Reader*>(data); });
}

std::optional<double> Publication::take_header_level() {
  if (!header_level_) return std::nullopt;
  const double db = header_level_->exchange(std::numeric_limits<double>::quiet_NaN(), std::memory_order_relaxed);
  if (std::isnan(db)) return std::nullopt;
  return db;
}

void Publication::add_level_meter(GstBin* pipeline) {
  // Loudness for active-speaker detection, from decoded audio, for clients
  // that do not send the RFC 6464 level extension. No queue:
  // decoding a 20 ms Opus packet takes tens of microseconds on the
  // publisher's thread, less than a thread hand-off per packet (and a thread
  // per publisher) would; the fakesink never syncs, so nothing here waits.
  g_autoptr(GError) error = nullptr;
  GstElement* bin = gst_parse_bin_from_description(
      "rtpopusdepay ! opusdec plc=true ! level interval=100000000 post-messages=true ! "
      "fakesink sync=false async=false",
      TRUE, &error);
  if (!bin) {
    GST_WARNING("no level meter for %s: %s", info_.id.c_str(), error ? error->message : "?");
    return;
  }
  g_autofree char* name = g_strdup_printf("level-%u", serial_);
  gst_object_set_name(GST_OBJECT(bin), name);
  level_bin_ = retain_gst(bin);  // ours; the pipeline takes the floating one
  gst_bin_add(pipeline, bin);
  // Running before it is linked: a branch still in NULL answers the tee's
  // push with FLUSHING, which travels back up and stops the publisher's
  // whole connection (its nicesrc pauses), for good.
  gst_element_sync_state_with_parent(level_bin_.get());
  level_pad_ = adopt_gst(request_pad());
  g_autoptr(GstPad) sink = gst_element_get_static_pad(level_bin_.get(), "sink");
  gst_pad_link(level_pad_.get(), sink);
}

Publication::Feed& Publication::add_feed(int layer, GstElement* tee) {
  Feed& feed = feeds_[layer];
  feed.tee = retain_gst(tee);
  g_autoptr(GstPad) tee_sink = gst_element_get_static_pad(tee, "sink");
  gst_pad_add_probe(
      tee_sink, GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad*, GstPadProbeInfo* info, gpointer data) {
        Counters& c = **static_cast<std::shared_ptr<Counters>*>(data);
        c.packets.fetch_add(1, std::memory_order_relaxed);
        c.bytes.fetch_add(gst_buffer_get_size(GST_PAD_PROBE_INFO_BUFFER(info)), std::memory_order_relaxed);
        return GST_PAD_PROBE_OK;
      },
      new std::shared_ptr<Counters>(feed.counters),
      [](gpointer data) { delete static_cast<std::shared_ptr<Counters>*>(data); });
  if (info_.kind != "video") return feed;
  // Every keyframe request leaves through the tee's sink pad, whoever made
  // it: the tee passes its subscribers' on, request_keyframe() pushes its own.
  gst_pad_add_probe(
      tee_sink, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
      [](GstPad*, GstPadProbeInfo* info, gpointer data) {
        if (!gst_video_event_is_force_key_unit(GST_PAD_PROBE_INFO_EVENT(info))) return GST_PAD_PROBE_OK;
        KeyframeGate& gate = **static_cast<std::shared_ptr<KeyframeGate>*>(data);
        std::lock_guard<std::mutex> lock(gate.mutex);
        return gate.limiter.request(g_get_monotonic_time() / 1000) ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
      },
      new std::shared_ptr<KeyframeGate>(feed.keyframes),
      [](gpointer data) { delete static_cast<std::shared_ptr<KeyframeGate>*>(data); });
  // A combined request still owed goes out once its interval is over,
  // from the publisher's own thread as its packets pass (no timer).
  gst_pad_add_probe(
      tee_sink, GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad* pad, GstPadProbeInfo*, gpointer data) {
        KeyframeGate& gate = **static_cast<std::shared_ptr<KeyframeGate>*>(data);
        bool due;
        {
          std::lock_guard<std::mutex> lock(gate.mutex);
          due = gate.limiter.retry_due(g_get_monotonic_time() / 1000);
        }
        if (due) gst_pad_push_event(pad, convene_keyframe_request_new());  // passes the probe above
        return GST_PAD_PROBE_OK;
      },
      new std::shared_ptr<KeyframeGate>(feed.keyframes),
      [](gpointer data) { delete static_cast<std::shared_ptr<KeyframeGate>*>(data); });
  return feed;
}

void Publication::add_layer(int layer, GstElement* tee) {
  if (!layered() || layer < 0 || layer > 2 || feeds_.count(layer)) return;
  declared_layers_ |= 1u << layer;
  add_feed(layer, tee);
  // Consumers that come from now on take the highest layer there is.
  if (feeds_.rbegin()->first == layer) {
    tee_.reset();
    tee_ = retain_gst(tee);
  }
}

unsigned Publication::present_layers() const {
  unsigned mask = 0;
  for (const auto& [layer, feed] : feeds_)
    if (layer >= 0) mask |= 1u << layer;
  return mask;
}

GstElement* Publication::layer_tee(int layer) const {
  auto it = feeds_.find(layer);
  return it == feeds_.end() ? nullptr : it->second.tee.get();
}

GstPad* Publication::request_layer_pad(int layer) {
  GstElement* tee = layer_tee(layer);
  return tee ? gst_element_request_pad_simple(tee, "src_%u") : nullptr;
}

std::array<double, 3> Publication::layer_bps(int64_t now_ms) {
  const bool update = rates_at_ms_ < 0 || now_ms - rates_at_ms_ >= 500;
  std::array<double, 3> out{};
  for (auto& [layer, feed] : feeds_) {
    const uint64_t bytes = feed.counters->bytes.load(std::memory_order_relaxed);
    if (update && rates_at_ms_ >= 0) {
      const double bps = static_cast<double>(bytes - feed.last_bytes) * 8000.0 / static_cast<double>(now_ms - rates_at_ms_);
      constexpr double kWeight = 0.3;  // a few updates of memory: a keyframe is not a trend
      feed.bps = feed.bps == 0 ? bps : feed.bps + kWeight * (bps - feed.bps);
    }
    if (update) feed.last_bytes = bytes;
    if (layer >= 0) out[layer] = feed.bps;
  }
  if (update) rates_at_ms_ = now_ms;
  return out;
}

uint64_t Publication::packets_received() const {
  uint64_t total = 0;
  for (const auto& [layer, feed] : feeds_) total += feed.counters->packets.load(std::memory_order_relaxed);
  return total;
}

Publication::~Publication() {
  if (level_bin_) {
    // Cut the meter off the tee (allow-not-linked: a push racing this sees
    // NOT_LINKED and carries on), then stop it.
    if (level_pad_) {
      release_tee_pad(tee_.get(), level_pad_.get());
      level_pad_.reset();
    }
    remove_from_bin(level_bin_.get());
    level_bin_.reset();
  }
  // Our tee references go here, before the other members (the probes' shared state).
  for (auto& [layer, feed] : feeds_) feed.tee.reset();
  tee_.reset();
}

GstPad* Publication::request_pad() { return gst_element_request_pad_simple(tee_.get(), "src_%u"); }

void Publication::release_pad(GstPad* pad) {
  GstObjectPtr<GstPad> ours = adopt_gst(pad);
  GstObjectPtr<GstElement> tee = adopt_gst(gst_pad_get_parent_element(pad));
  if (!tee) return;  // already released: only our reference goes
  // Both references until the pad is released on the main loop (shared:
  // unlink_when_idle takes a copyable function).
  struct Held {
    GstObjectPtr<GstPad> pad;
    GstObjectPtr<GstElement> tee;
  };
  auto held = std::make_shared<Held>(Held{std::move(ours), std::move(tee)});
  unlink_when_idle(pad, [held] {
    release_tee_pad(held->tee.get(), held->pad.get());
    held->pad.reset();  // the pad, then the tee
    held->tee.reset();
  });
}

void Publication::request_keyframe() {
  if (info_.kind != "video") return;
  g_autoptr(GstPad) sink = gst_element_get_static_pad(tee_.get(), "sink");
  gst_pad_push_event(sink, convene_keyframe_request_new());  // through the limiter's probe
}

uint64_t Publication::keyframe_requests_sent() const {
  uint64_t total = 0;
  for (const auto& [layer, feed] : feeds_) {
    std::lock_guard<std::mutex> lock(feed.keyframes->mutex);
    total += feed.keyframes->limiter.sent();
  }
  return total;
}

uint64_t Publication::keyframe_requests_combined() const {
  uint64_t total = 0;
  for (const auto& [layer, feed] : feeds_) {
    std::lock_guard<std::mutex> lock(feed.keyframes->mutex);
    total += feed.keyframes->limiter.combined();
  }
  return total;
}

}  // namespace convene::media
