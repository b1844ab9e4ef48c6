#include "media/media_metrics.h"

#include <gst/gst.h>

#include <array>
#include <atomic>
#include <cmath>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "media/immediate_feedback.h"
#include "media/media_room.h"
#include "media/pad_util.h"
#include "media/session_sources.h"
#include "media/subscriber.h"
#include "metrics/registry.h"
#include "util/time.h"
#include "util/gst_object_ptr.h"

namespace convene::media {
namespace {

// Counters read from elements of the rooms' pipelines, summed.
enum Figure {
  kForwardedPackets,  // convenertpforward
  kForwardedBytes,
  kDroppedPackets,
  kForwardedKeyframeRequests,
  kNacksSent,  // rtpsession (webrtcbin's, per connection): every source's counts
  kNacksReceived,
  kPlisSent,
  kPlisReceived,
  kFirsSent,
  kFirsReceived,
  kRtxSent,      // convenertxsend (rtprtxsend where webrtcbin's is kept): retransmissions to subscribers
  kRtxReceived,  // rtprtxreceive: retransmissions from publishers
  kFigures
};
using Figures = std::array<uint64_t, kFigures>;

void add(Figures& to, const Figures& from) {
  for (size_t i = 0; i < kFigures; ++i) to[i] += from[i];
}

struct PendingFirstFrame {
  int64_t joined_us = 0;
  int64_t ready_us = 0;  // when it first had something to receive (0: not yet)
};

// Latency buckets in seconds; each a multiple of LatencyHistogram's 0.1 ms.
const std::vector<double> kLatencyBounds = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2};
const std::vector<double> kLossBounds = {0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5};
const std::vector<double> kFirstFrameBounds = {0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 20, 30};
// A peer that waits longer than this for its first packet is no longer timed.
constexpr int64_t kFirstFrameGiveUpUs = 60 * G_USEC_PER_SEC;

struct State {
  // Main loop only.
  std::set<MediaRoom*> rooms;
  std::map<std::string, uint64_t> packets_in_seen;  // "<room>\n<track>" -> last seen
  uint64_t packets_in_retired = 0;
  std::vector<uint64_t> latency_retired = std::vector<uint64_t>(LatencyHistogram::kBuckets);
  std::map<std::pair<std::string, std::string>, PendingFirstFrame> first_frame_pending;  // (room, peer)
  guint loss_timer = 0, first_frame_timer = 0;
  metrics::Histogram loss{kLossBounds};
  metrics::Histogram first_frame{kFirstFrameBounds};
  std::atomic<uint64_t> pipeline_errors{0};

  // Forwarders may be finalized on any thread.
  std::mutex forwarders_mutex;
  std::map<GstElement*, Figures> elements_seen;
  Figures elements_retired{};
};

State& state() {
  // Never destroyed: forwarders' weak references may fire at exit.
  static State* s = new State();
  return *s;
}

void element_gone(gpointer, GObject* object) {
  State& s = state();
  std::lock_guard lock(s.forwarders_mutex);
  auto it = s.elements_seen.find(reinterpret_cast<GstElement*>(object));
  if (it == s.elements_seen.end()) return;
  add(s.elements_retired, it->second);
  s.elements_seen.erase(it);
}

uint64_t uint_field(const GstStructure* st, const char* name) {
  guint v = 0;
  return gst_structure_get_uint(st, name, &v) ? v : 0;
}

// An rtpsession's RTCP feedback counts, over all its sources (a PLI sent is
// counted on the source it asks, one received on our own sending source).
Figures session_figures(GstElement* session) {
  Figures f{};
  for_each_source(G_OBJECT(session), [&f](const GstStructure* src) {
    f[kNacksSent] += uint_field(src, "sent-nack-count");
    f[kNacksReceived] += uint_field(src, "recv-nack-count");
    f[kPlisSent] += uint_field(src, "sent-pli-count");
    f[kPlisReceived] += uint_field(src, "recv-pli-count");
    f[kFirsSent] += uint_field(src, "sent-fir-count");
    f[kFirsReceived] += uint_field(src, "recv-fir-count");
  });
  return f;
}

// The figures of one element of a room, or nullopt for elements that count nothing of ours.
std::optional<Figures> element_figures(GstElement* element) {
  const char* name = factory_name(element);
  Figures f{};
  if (!g_strcmp0(name, "convenertpforward")) {
    guint64 packets = 0, bytes = 0, dropped = 0, requests = 0;
    g_object_get(element, "packets-forwarded", &packets, "bytes-forwarded", &bytes, "packets-dropped", &dropped,
                 "keyframe-requests", &requests, nullptr);
    f[kForwardedPackets] = packets;
    f[kForwardedBytes] = bytes;
    f[kDroppedPackets] = dropped;
    f[kForwardedKeyframeRequests] = requests;
    return f;
  }
  if (!g_strcmp0(name, "rtpsession")) {
    f = session_figures(element);
    // What went out apart from rtpsession's reports (immediate_feedback.h).
    const FeedbackSent at_once = feedback_sent_at_once(element);
    f[kNacksSent] += at_once.nacks;
    f[kPlisSent] += at_once.plis;
    return f;
  }
  const bool sender = !g_strcmp0(name, "convenertxsend") || !g_strcmp0(name, "rtprtxsend");
  if (sender || !g_strcmp0(name, "rtprtxreceive")) {
    guint n = 0;
    g_object_get(element, "num-rtx-packets", &n, nullptr);
    f[sender ? kRtxSent : kRtxReceived] = n;
    return f;
  }
  return std::nullopt;
}

// Reads every counting element of the room and remembers the figures.
void read_elements(MediaRoom& room) {
  std::vector<std::pair<GstObjectPtr<GstElement>, Figures>> read;
  for (auto& element : descendants(room.bin()))
    if (std::optional<Figures> f = element_figures(element.get())) read.emplace_back(std::move(element), *f);
  State& s = state();
  {
    std::lock_guard lock(s.forwarders_mutex);
    for (const auto& [e, f] : read) {
      auto [pos, fresh] = s.elements_seen.insert_or_assign(e.get(), f);
      if (fresh) g_object_weak_ref(G_OBJECT(e.get()), element_gone, nullptr);
    }
  }
  // Outside the lock: a last reference dropped here runs element_gone.
  read.clear();
}

std::string track_key(const MediaRoom& room, const std::string& track_id) { return room.room_id() + "\n" + track_id; }

// Publications that went away keep what they had when last seen.
void read_packets_in() {
  State& s = state();
  std::map<std::string, uint64_t> now;
  for (MediaRoom* room : s.rooms)
    for (const auto& [track, n] : room->packets_received()) now[track_key(*room, track)] = n;
  for (const auto& [key, n] : s.packets_in_seen)
    if (!now.count(key)) s.packets_in_retired += n;
  s.packets_in_seen = std::move(now);
}

gboolean sample_loss(gpointer) {
  State& s = state();
  for (MediaRoom* room : s.rooms)
    for (const Subscriber* sub : room->subscribers())
      for (const auto& st : sub->subscriptions()) s.loss.observe(st.fraction_lost);
  return G_SOURCE_CONTINUE;
}

gboolean check_first_frames(gpointer) {
  State& s = state();
  int64_t now = timeutil::monotonic_us();
  std::map<std::string, MediaRoom*> by_id;
  for (MediaRoom* room : s.rooms) by_id[room->room_id()] = room;
  for (auto it = s.first_frame_pending.begin(); it != s.first_frame_pending.end();) {
    const auto& [room_id, peer_id] = it->first;
    PendingFirstFrame& pending = it->second;
    auto room = by_id.find(room_id);
    bool done = room == by_id.end() || !room->second->participant(peer_id) ||  // left
                now - pending.joined_us > kFirstFrameGiveUpUs;
    if (!done) {
      const Subscriber* mine = nullptr;
      for (const Subscriber* sub : room->second->subscribers())
        if (sub->peer_id() == peer_id) mine = sub;
      if (mine && mine->active_tracks() > 0) {  // something to receive
        if (!pending.ready_us) pending.ready_us = now;
        if (mine->packets_forwarded() > 0) {
          // From joining, or from when there was something to receive if that came later.
          s.first_frame.observe(static_cast<double>(now - std::max(pending.joined_us, pending.ready_us)) / 1e6);
          done = true;
        }
      }
    }
    it = done ? s.first_frame_pending.erase(it) : std::next(it);
  }
  if (!s.first_frame_pending.empty()) return G_SOURCE_CONTINUE;
  s.first_frame_timer = 0;
  return G_SOURCE_REMOVE;
}

void histogram_sample(metrics::Collection& c, const char* name, const char* help, const metrics::Histogram& h) {
  c.histogram(name, help, {}, h.bounds(), h.cumulative(), h.sum());
}

}  // namespace

void metrics_room_opened(MediaRoom& room) {
  State& s = state();
  s.rooms.insert(&room);
  if (!s.loss_timer) s.loss_timer = g_timeout_add_seconds(1, sample_loss, nullptr);
}

void metrics_room_closing(MediaRoom& room) {
  State& s = state();
  // The last figures of what is about to go: forwarders are remembered (and
  // retired as they are finalized), the rest retired now.
  read_elements(room);
  for (const auto& [track, n] : room.packets_received()) {
    s.packets_in_seen.erase(track_key(room, track));
    s.packets_in_retired += n;
  }
  std::vector<uint64_t> latency = room.latency()->counts();
  for (size_t i = 0; i < latency.size(); ++i) s.latency_retired[i] += latency[i];
  s.rooms.erase(&room);
  if (s.rooms.empty() && s.loss_timer) {
    g_source_remove(s.loss_timer);
    s.loss_timer = 0;
  }
}

void metrics_participant_added(MediaRoom& room, const std::string& peer_id) {
  State& s = state();
  s.first_frame_pending[{room.room_id(), peer_id}] = PendingFirstFrame{timeutil::monotonic_us(), 0};
  if (!s.first_frame_timer) s.first_frame_timer = g_timeout_add(100, check_first_frames, nullptr);
}

void metrics_pipeline_error() { state().pipeline_errors.fetch_add(1, std::memory_order_relaxed); }

void collect_media_metrics(metrics::Collection& c) {
  State& s = state();
  size_t participants = 0, forwarded = 0;
  std::map<std::string, size_t> publications{{"audio", 0}, {"video", 0}};
  std::vector<uint64_t> latency = s.latency_retired;
  for (MediaRoom* room : s.rooms) {
    MediaRoom::Stats st = room->stats();
    participants += st.participants;
    forwarded += st.subscriber_tracks;
    for (const TrackInfo& t : room->tracks()) publications[t.kind]++;
    std::vector<uint64_t> counts = room->latency()->counts();
    for (size_t i = 0; i < counts.size(); ++i) latency[i] += counts[i];
    read_elements(*room);
  }
  read_packets_in();

  c.gauge("convene_media_rooms", "Rooms with an SFU pipeline now.", {}, static_cast<double>(s.rooms.size()));
  c.gauge("convene_media_participants", "Peers in SFU calls now.", {}, static_cast<double>(participants));
  for (const auto& [kind, n] : publications)
    c.gauge("convene_media_publications", "Tracks published to the SFU now, by kind.", {{"kind", kind}},
            static_cast<double>(n));
  c.gauge("convene_media_forwarded_streams", "Published tracks forwarded to subscribers now (one per receiver).", {},
          static_cast<double>(forwarded));

  Figures total;
  {
    std::lock_guard lock(s.forwarders_mutex);
    total = s.elements_retired;
    for (const auto& [e, f] : s.elements_seen) add(total, f);
  }
  auto n = [&](Figure f) { return static_cast<double>(total[f]); };
  c.counter("convene_rtp_packets_forwarded_total", "RTP packets the SFU sent on to subscribers.", {},
            n(kForwardedPackets));
  c.counter("convene_rtp_bytes_forwarded_total", "RTP bytes (headers and payload) the SFU sent on to subscribers.",
            {}, n(kForwardedBytes));
  c.counter("convene_rtp_packets_dropped_total",
            "RTP packets a forwarder did not send (before the connection was up, muted, awaiting a keyframe, "
            "upper temporal layers).",
            {}, n(kDroppedPackets));
  c.counter("convene_keyframe_requests_forwarded_total",
            "Keyframe requests (PLI/FIR) from subscribers that forwarders passed towards the publisher.", {},
            n(kForwardedKeyframeRequests));
  const char* nack_help = "RTCP NACKs: received from subscribers, sent to publishers (webrtcbin's RTP sessions).";
  c.counter("convene_rtcp_nacks_total", nack_help, {{"direction", "received"}}, n(kNacksReceived));
  c.counter("convene_rtcp_nacks_total", nack_help, {{"direction", "sent"}}, n(kNacksSent));
  const char* kf_help = "RTCP keyframe requests by type: received from subscribers, sent to publishers.";
  c.counter("convene_rtcp_keyframe_requests_total", kf_help, {{"direction", "received"}, {"type", "pli"}},
            n(kPlisReceived));
  c.counter("convene_rtcp_keyframe_requests_total", kf_help, {{"direction", "received"}, {"type", "fir"}},
            n(kFirsReceived));
  c.counter("convene_rtcp_keyframe_requests_total", kf_help, {{"direction", "sent"}, {"type", "pli"}},
            n(kPlisSent));
  c.counter("convene_rtcp_keyframe_requests_total", kf_help, {{"direction", "sent"}, {"type", "fir"}},
            n(kFirsSent));
  const char* rtx_help = "RTP retransmissions (RTX): sent to subscribers, received from publishers.";
  c.counter("convene_rtp_retransmissions_total", rtx_help, {{"direction", "received"}}, n(kRtxReceived));
  c.counter("convene_rtp_retransmissions_total", rtx_help, {{"direction", "sent"}}, n(kRtxSent));
  uint64_t packets_in = s.packets_in_retired;
  for (const auto& [key, n] : s.packets_in_seen) packets_in += n;
  c.counter("convene_rtp_packets_received_total", "RTP packets the SFU received from publishers.", {},
            static_cast<double>(packets_in));

  // LatencyHistogram's 0.1 ms buckets, cumulated at each bound; its sum from bucket midpoints.
  std::vector<uint64_t> cumulative;
  uint64_t running = 0;
  double sum = 0;
  size_t bound = 0;
  for (size_t i = 0; i < latency.size(); ++i) {
    // The last bucket is open-ended: it only counts under +Inf.
    double upper = i + 1 == latency.size() ? HUGE_VAL
                                           : static_cast<double>((i + 1) * LatencyHistogram::kBucketUs) / 1e6;
    while (bound < kLatencyBounds.size() && kLatencyBounds[bound] < upper - 1e-9) {
      cumulative.push_back(running);
      ++bound;
    }
    running += latency[i];
    sum += static_cast<double>(latency[i]) * (static_cast<double>(i) + 0.5) * LatencyHistogram::kBucketUs / 1e6;
  }
  while (cumulative.size() < kLatencyBounds.size()) cumulative.push_back(running);
  cumulative.push_back(running);
  c.histogram("convene_sfu_latency_seconds",
              "Time a packet spends in the SFU, from the publisher's jitter buffer to the subscriber's webrtcbin "
              "(0.1 ms resolution; the sum from bucket midpoints).",
              {}, kLatencyBounds, cumulative, sum);
  histogram_sample(c, "convene_subscriber_loss_ratio",
                   "Each forwarded stream's latest receiver-reported fraction lost, sampled once a second.", s.loss);
  histogram_sample(c, "convene_join_first_frame_seconds",
                   "Server-side: from a peer joining SFU media (or from when it first had something to receive, "
                   "if later) to the first packet forwarded to it, measured every 100 ms.",
                   s.first_frame);
  c.counter("convene_pipeline_errors_total", "GStreamer ERROR messages on Convene's pipelines, by module.",
            {{"module", "media"}}, static_cast<double>(s.pipeline_errors.load()));
}

}  // namespace convene::media
