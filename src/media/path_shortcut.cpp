#include "media/path_shortcut.h"

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

#include "media/pad_util.h"
#include "media/repeated_event_filter.h"
#include "util/log.h"
#include "util/gst_object_ptr.h"

#define GST_CAT_DEFAULT convene_media_debug

namespace convene::media {

namespace {

// rtpulpfecenc's payload type while no FEC is negotiated (webrtcbin sets
// 255 then, the element's own "undefined").
constexpr guint kNoUlpFec = 255;

bool is_sink_ghost(GstPad* pad) { return GST_IS_GHOST_PAD(pad) && GST_PAD_IS_SINK(pad); }
// The internal pad of a src ghost pad: a proxy pad that receives.
bool is_internal_of_src_ghost(GstPad* pad) {
  return GST_IS_PROXY_PAD(pad) && !GST_IS_GHOST_PAD(pad) && GST_PAD_IS_SINK(pad);
}

enum class Found { Way, NotLinkedYet, Unexpected };

// RTP payload types (0-127) an element on the way handles itself: packets of
// these take the full way. Two words, so the pushing thread reads them
// without a lock.
class PayloadTypes {
 public:
  void clear() {
    for (auto& word : words_) word.store(0, std::memory_order_relaxed);
  }
  void add(unsigned pt) {
    if (pt < 128) words_[pt / 64].fetch_or(uint64_t{1} << (pt % 64), std::memory_order_relaxed);
  }
  bool has(unsigned pt) const { return words_[pt / 64].load(std::memory_order_relaxed) >> (pt % 64) & 1; }
  bool any() const {
    return words_[0].load(std::memory_order_relaxed) || words_[1].load(std::memory_order_relaxed);
  }

 private:
  std::atomic<uint64_t> words_[2] = {0, 0};
};

// Whether an element on the way passes packets on unchanged in its present
// settings; it may name payload types it handles (`handled`).
// `out` is the element's src pad on the way.
using PassesFn = bool (*)(GstElement*, GstPad* out, PayloadTypes* handled);

bool fec_encoder_passes(GstElement* ulpfecenc, GstPad*, PayloadTypes*) {
  guint fec_pt = 0;
  g_object_get(ulpfecenc, "pt", &fec_pt, nullptr);
  return fec_pt == kNoUlpFec;
}
bool red_encoder_passes(GstElement* redenc, GstPad*, PayloadTypes*) {
  guint distance = 1;
  gint red_pt = 1;
  gboolean red_blocks_forced = TRUE;
  g_object_get(redenc, "pt", &red_pt, "distance", &distance, "allow-no-red-blocks", &red_blocks_forced, nullptr);
  return red_pt == 0 && distance == 0 && !red_blocks_forced;
}
// Restores retransmissions (the RTX payload types, the values of its map)
// and passes every other packet on.
bool rtx_receiver_passes(GstElement* rtxreceive, GstPad*, PayloadTypes* handled) {
  g_autoptr(GstStructure) map = nullptr;
  g_object_get(rtxreceive, "payload-type-map", &map, nullptr);
  if (!map) return true;
  gst_structure_foreach(
      map,
      [](GQuark, const GValue* value, gpointer types) -> gboolean {
        if (G_VALUE_HOLDS_UINT(value)) static_cast<PayloadTypes*>(types)->add(g_value_get_uint(value));
        return TRUE;
      },
      handled);
  return true;
}
// Passes packets on without keeping a history only with no RED negotiated.
bool red_decoder_passes(GstElement* reddec, GstPad*, PayloadTypes*) {
  gint pt = 0;
  g_object_get(reddec, "pt", &pt, nullptr);
  GValue payloads = G_VALUE_INIT;
  g_value_init(&payloads, GST_TYPE_ARRAY);
  g_object_get_property(G_OBJECT(reddec), "payloads", &payloads);
  const guint n_payloads = gst_value_array_get_size(&payloads);
  g_value_unset(&payloads);
  return pt == -1 && n_payloads == 0;
}
bool storage_passes(GstElement* storage, GstPad*, PayloadTypes*) {
  guint64 size_time = 1;
  g_object_get(storage, "size-time", &size_time, nullptr);
  return size_time == 0;
}
bool fec_decoder_passes(GstElement* ulpfecdec, GstPad*, PayloadTypes*) {
  gboolean passthrough = FALSE;
  g_object_get(ulpfecdec, "passthrough", &passthrough, nullptr);
  return passthrough;
}

// Demuxes by payload type: a packet of the payload type of the pad on the
// way passes (rtpptdemux only reads it); others take the full way, where it
// may make a pad for them.
bool payload_demuxer_passes(GstElement*, GstPad* out, PayloadTypes* handled) {
  guint pt = 0;
  if (!out || sscanf(GST_PAD_NAME(out), "src_%u", &pt) != 1 || pt > 127) return false;
  for (unsigned other = 0; other < 128; ++other)
    if (other != pt) handled->add(other);
  return true;
}

struct PassThroughKind {
  const char* factory;
  PassesFn passes;
};
constexpr PassThroughKind kReceivePassThroughs[] = {
    {"rtprtxreceive", rtx_receiver_passes},
    {"rtpreddec", red_decoder_passes},
    {"rtpstorage", storage_passes},
    {"rtpulpfecdec", fec_decoder_passes},
    {"rtpptdemux", payload_demuxer_passes},
};

PassesFn receive_pass_through(GstElement* element) {
  const char* factory = factory_name(element);
  for (const auto& kind : kReceivePassThroughs)
    if (!g_strcmp0(factory, kind.factory)) return kind.passes;
  return nullptr;
}

struct PassThrough {
  GstObjectPtr<GstElement> element;  // a reference
  PassesFn passes;
  GstPad* out = nullptr;  // its src pad on the way (also in the way's pads)
};

// The element's src pad a way goes on through: "src", or a payload
// demuxer's one pad (a new reference; null for none, or more than one).
GstPad* way_out_of(GstElement* element) {
  if (g_strcmp0(factory_name(element), "rtpptdemux") != 0) return gst_element_get_static_pad(element, "src");
  GST_OBJECT_LOCK(element);
  GstPad* out = element->numsrcpads == 1 ? GST_PAD(gst_object_ref(element->srcpads->data)) : nullptr;
  GST_OBJECT_UNLOCK(element);
  return out;
}

// What the shortcuts past one rtpfunnel share (object data on the funnel).
struct FunnelState {
  // Once its inputs' segments have differed, no packet skips the funnel
  // again: rtpfunnel sends an input's segment downstream only when it
  // switches to that input, and packets that skip it leave it switched to
  // whichever input last went through.
  std::atomic<bool> segments_differ{false};
};
constexpr char kFunnelStateData[] = "convene-path-shortcut-funnel";

FunnelState* funnel_state_of(GstElement* funnel) {
  static std::mutex creating;
  std::lock_guard<std::mutex> hold(creating);
  auto* state = static_cast<FunnelState*>(g_object_get_data(G_OBJECT(funnel), kFunnelStateData));
  if (!state) {
    state = new FunnelState();
    g_object_set_data_full(G_OBJECT(funnel), kFunnelStateData, state,
                           [](gpointer data) { delete static_cast<FunnelState*>(data); });
  }
  return state;
}

// What a buffer skips: the pads between the probe and `end` (checked for
// blocks), and the elements among them (checked for their settings).
struct Way {
  std::vector<GstObjectPtr<GstPad>> between;  // references
  GstObjectPtr<GstPad> end;                   // a reference
  std::vector<PassThrough> elements;
  // Past rtpfunnel: its input and output (references; also in `between`),
  // and the count of segments its output let through.
  GstObjectPtr<GstElement> funnel;  // a reference
  GstObjectPtr<GstPad> funnel_input;
  GstObjectPtr<GstPad> funnel_output;
  const std::atomic<uint64_t>* funnel_segments = nullptr;
  FunnelState* funnel_state = nullptr;  // the funnel's
  // A payload demuxer's pad on the way: it sends caps of its own, made at
  // the first buffer after new caps reach it (also in `between`).
  GstPad* caps_from = nullptr;
  Way() = default;
  Way(const Way&) = delete;
  Way& operator=(const Way&) = delete;
  ~Way() { reset(); }
  // Lets go of the references in this order (also when destroyed).
  void reset() {
    for (auto& pad : between) pad.reset();
    between.clear();
    end.reset();
    for (auto& element : elements) element.element.reset();
    elements.clear();
    funnel_input.reset();
    funnel_output.reset();
    funnel.reset();
    funnel_segments = nullptr;
    funnel_state = nullptr;
    caps_from = nullptr;
  }
};

// From `src`'s peer through ghost pads (and, with `elements`, the receive
// pass-throughs) to the first other pad; see ghost_pads_after.
std::vector<GstObjectPtr<GstPad>> way_after(GstPad* src, GstObjectPtr<GstPad>* end,
                                            std::vector<PassThrough>* elements) {
  std::vector<GstObjectPtr<GstPad>> way;
  GstObjectPtr<GstPad> pad = adopt_gst(gst_pad_get_peer(src));
  while (pad) {
    if (is_sink_ghost(pad.get()) || is_internal_of_src_ghost(pad.get())) {
      // A sink ghost pad leads to its internal pad; the internal pad of a src
      // ghost pad to that ghost pad. Either way the next link is the second's.
      GstObjectPtr<GstPad> other = adopt_gst(GST_PAD(gst_proxy_pad_get_internal(GST_PROXY_PAD(pad.get()))));
      way.push_back(std::move(pad));  // (leaves `pad` empty)
      if (!other) break;
      GstPad* next = other.get();
      way.push_back(std::move(other));
      pad = adopt_gst(gst_pad_get_peer(next));
      continue;
    }
    if (!elements) break;
    GstObjectPtr<GstElement> element = adopt_gst(gst_pad_get_parent_element(pad.get()));
    PassesFn passes = element ? receive_pass_through(element.get()) : nullptr;
    GstObjectPtr<GstPad> element_src = adopt_gst(passes ? way_out_of(element.get()) : nullptr);
    if (passes && !element_src && GST_ELEMENT_CAST(element.get())->numsrcpads == 0) {
      // A payload demuxer makes its pad at the first packet (taking the full way).
      element.reset();
      pad.reset();
      break;
    }
    if (!element_src || GST_ELEMENT_CAST(element.get())->numsrcpads != 1 ||
        GST_ELEMENT_CAST(element.get())->numsinkpads != 1) {
      element_src.reset();
      element.reset();
      break;  // an element of its own: the end
    }
    GstPad* out = element_src.get();
    elements->push_back({std::move(element), passes, out});
    way.push_back(std::move(pad));
    way.push_back(std::move(element_src));
    pad = adopt_gst(gst_pad_get_peer(out));
  }
  *end = std::move(pad);
  return way;
}

// Past the bundle's rtpfunnel, when `way` ends at one of its inputs and the
// funnel's output has the repeated-event filter (repeated_event_filter.h),
// through the ghost pads after it to the RTX sender. rtpfunnel's work on a
// packet is, under its output's stream lock: its own sticky events once,
// this input's SEGMENT and custom sticky events each time the packet comes
// from another input than the last (with audio and video interleaved, most
// packets; the filter then drops them as repeats: a subscriber's inputs all
// have the same segment, and custom sticky events rtpfunnel passes on as
// they arrive) and a transport-wide sequence number that rtpsession
// overwrites with its own (rtptwcc.c numbers every packet it sends). A packet
// skipping it still takes that stream lock, so it never crosses another
// input's packet or event, and skips only while its input's segment is the
// one downstream and no other went out since (the filter counts them).
Found extend_past_funnel(Way* way) {
  g_autoptr(GstElement) funnel = gst_pad_get_parent_element(way->end.get());
  if (!funnel || g_strcmp0(factory_name(funnel), "rtpfunnel") != 0) return Found::Way;
  g_autoptr(GstPad) output = gst_element_get_static_pad(funnel, "src");
  const std::atomic<uint64_t>* segments = output ? segments_passed(output) : nullptr;
  if (!segments) return Found::Way;  // events would reach the end unfiltered: only to the funnel
  GstObjectPtr<GstPad> end;
  std::vector<GstObjectPtr<GstPad>> ghosts = way_after(output, &end, nullptr);
  if (!end) return Found::NotLinkedYet;  // (`ghosts` lets go of the pads)
  way->funnel_state = funnel_state_of(funnel);
  way->funnel = adopt_gst(GST_ELEMENT(g_steal_pointer(&funnel)));
  way->funnel_input = retain_gst(way->end.get());
  way->funnel_output = retain_gst(GST_PAD(output));
  way->funnel_segments = segments;
  way->between.push_back(std::move(way->end));  // the input, now on the way
  way->between.push_back(adopt_gst(GST_PAD(g_steal_pointer(&output))));
  for (auto& pad : ghosts) way->between.push_back(std::move(pad));
  way->end = std::move(end);
  return Found::Way;
}

// webrtcbin's input: clocksync ! bin(rtpulpfecenc ! rtpredenc) ! (rtpfunnel)
Found find_input_way(GstElement* clocksync, Way* way) {
  g_autoptr(GstPad) clocksync_src = gst_element_get_static_pad(clocksync, "src");
  g_autoptr(GstPad) fec_sink = clocksync_src ? gst_pad_get_peer(clocksync_src) : nullptr;
  if (!fec_sink) return Found::NotLinkedYet;
  g_autoptr(GstObject) fec_bin = gst_object_get_parent(GST_OBJECT(fec_sink));
  if (!fec_bin || !GST_IS_BIN(fec_bin)) return Found::Unexpected;
  g_autoptr(GstElement) ulpfecenc = child_by_factory(GST_BIN(fec_bin), "rtpulpfecenc");
  g_autoptr(GstElement) redenc = child_by_factory(GST_BIN(fec_bin), "rtpredenc");
  if (!ulpfecenc || !redenc || GST_BIN_NUMCHILDREN(GST_BIN(fec_bin)) != 2) return Found::Unexpected;
  g_autoptr(GstPad) fec_src = gst_element_get_static_pad(GST_ELEMENT(fec_bin), "src");
  GstObjectPtr<GstPad> end = adopt_gst(fec_src ? gst_pad_get_peer(fec_src) : nullptr);
  if (!end) return Found::NotLinkedYet;
  way->end = std::move(end);
  way->between.push_back(adopt_gst(GST_PAD(g_steal_pointer(&clocksync_src))));
  way->between.push_back(adopt_gst(GST_PAD(g_steal_pointer(&fec_sink))));
  way->between.push_back(adopt_gst(GST_PAD(g_steal_pointer(&fec_src))));
  way->elements.push_back({adopt_gst(GST_ELEMENT(g_steal_pointer(&ulpfecenc))), fec_encoder_passes});
  way->elements.push_back({adopt_gst(GST_ELEMENT(g_steal_pointer(&redenc))), red_encoder_passes});
  return extend_past_funnel(way);
}

// Ghost pads only, or (`through_elements`) the receive pass-throughs too.
Found find_way_after(GstPad* src, Way* way, bool through_elements) {
  way->between = way_after(src, &way->end, through_elements ? &way->elements : nullptr);
  if (!way->end) return Found::NotLinkedYet;
  for (const auto& element : way->elements)
    if (element.passes == payload_demuxer_passes) way->caps_from = element.out;
  return way->between.empty() ? Found::Unexpected : Found::Way;
}

class Shortcut {
 public:
  enum class Kind { Input, GhostPads, Receive };

  // Lives as long as its holder (object data), so it holds no reference to
  // it: `entry` is the holder (the src pad) or the holder's (clocksync's) pad.
  Shortcut(Kind kind, GstObject* holder, GstPad* entry, std::string what)
      : kind_(kind), holder_(holder), entry_(entry), what_(std::move(what)) {}
  ~Shortcut() {
    for (auto& [object, handler] : watched_) {
      g_signal_handler_disconnect(object.get(), handler);
      object.reset();
    }
  }
  Shortcut(const Shortcut&) = delete;
  Shortcut& operator=(const Shortcut&) = delete;

  bool skipping() const { return skipping_.load(std::memory_order_acquire); }

  // An event passes (the pushing thread), a setting changed (any thread):
  // buffers take the full way until the checks pass again.
  void take_full_way() { skipping_.store(false, std::memory_order_release); }

  // An event passes (on the pushing thread, before it goes on): buffers take
  // the full way until the checks pass again. A segment unlike the one past
  // rtpfunnel ends skipping the funnel for all its inputs.
  void event_passed(GstEvent* event) {
    after_event_.store(true, std::memory_order_release);
    take_full_way();
    if (GST_EVENT_TYPE(event) != GST_EVENT_SEGMENT) return;
    std::lock_guard<std::mutex> hold(lock_);
    if (!way_.funnel_output || way_.funnel_state->segments_differ.load(std::memory_order_acquire)) return;
    if (has_segment_of(way_.end.get(), event)) return;
    GST_INFO_OBJECT(holder_, "%s: a segment of its own: packets no longer skip rtpfunnel", what_.c_str());
    way_.funnel_state->segments_differ.store(true, std::memory_order_release);
    // rtpfunnel may still count this input as the last it passed on, and
    // then would not send its new segment: the next buffer sends it.
    send_segment_once_.store(true, std::memory_order_release);
  }

  // On the pushing thread. True when the buffer was chained to the end.
  bool chain_past(GstPadProbeInfo* info) {
    if (!skipping_.load(std::memory_order_acquire) && !start_skipping()) return false;
    // A packet an element on the way handles itself (a retransmission)
    // takes the full way; the next one may skip again.
    // (A list, with such an element on the way, always does.)
    const bool is_list = GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER_LIST;
    if (handled_.any() && (is_list || handled_.has(payload_type(GST_PAD_PROBE_INFO_BUFFER(info))))) return false;
    // A pad blocked again on the way (a transport restarting) holds the
    // buffer there, as it would without the shortcut.
    if (blocked_on_the_way()) {
      take_full_way();
      return false;
    }
    // Past rtpfunnel: under its output's stream lock, as rtpfunnel pushes,
    // and while no other segment went out past it.
    if (way_.funnel_output) {
      if (way_.funnel_state->segments_differ.load(std::memory_order_acquire)) {
        take_full_way();
        return false;
      }
      GST_PAD_STREAM_LOCK(way_.funnel_output.get());
      if (way_.funnel_segments->load(std::memory_order_acquire) !=
          funnel_segments_at_start_.load(std::memory_order_relaxed)) {
        way_.funnel_state->segments_differ.store(true, std::memory_order_release);
        GST_PAD_STREAM_UNLOCK(way_.funnel_output.get());
        take_full_way();
        return false;
      }
    }
    GstFlowReturn flow;
    if (is_list)
      flow = gst_pad_chain_list(way_.end.get(), GST_PAD_PROBE_INFO_BUFFER_LIST(info));
    else
      flow = gst_pad_chain(way_.end.get(), GST_PAD_PROBE_INFO_BUFFER(info));
    if (way_.funnel_output) GST_PAD_STREAM_UNLOCK(way_.funnel_output.get());
    GST_PAD_PROBE_INFO_DATA(info) = nullptr;  // the chain took it
    GST_PAD_PROBE_INFO_FLOW_RETURN(info) = flow;
    return true;
  }

 private:
  bool start_skipping() {
    const bool first_after_event = after_event_.exchange(false, std::memory_order_acq_rel);
    // Without the lock, per packet: given up, or elements that act on
    // packets until a setting changes.
    if (gave_up_.load(std::memory_order_acquire) || elements_act_.load(std::memory_order_acquire)) return false;
    std::lock_guard<std::mutex> hold(lock_);
    if (!way_.end && !find_way()) return false;
    // Through a payload demuxer, the first buffer after an event takes the
    // full way (whatever else sends it there): the demuxer sends its new caps with it.
    if (first_after_event && way_.caps_from) return false;
    if (way_.funnel_output && way_.funnel_state->segments_differ.load(std::memory_order_acquire)) {
      if (send_segment_once_.exchange(false, std::memory_order_acq_rel)) send_input_segment();
      return false;
    }
    if (!elements_pass_through()) {
      elements_act_.store(true, std::memory_order_release);
      return false;
    }
    if (blocked_on_the_way() || !end_has_the_events()) return false;
    skipping_.store(true, std::memory_order_release);
    // (again after each event, which is routine: said once at DEBUG)
    GST_CAT_LEVEL_LOG(GST_CAT_DEFAULT, started_once_ ? GST_LEVEL_LOG : GST_LEVEL_DEBUG, holder_,
                      "%s: packets now skip to %" GST_PTR_FORMAT, what_.c_str(), way_.end.get());
    started_once_ = true;
    return true;
  }

  // The way is looked up once, at the first buffer after it was linked.
  bool find_way() {
    const Found found = kind_ == Kind::Input ? find_input_way(GST_ELEMENT(holder_), &way_)
                                             : find_way_after(entry_, &way_, kind_ == Kind::Receive);
    if (found == Found::NotLinkedYet) {
      way_.reset();  // looked up again at the next buffer
      return false;
    }
    if (found == Found::Unexpected) return give_up("not the layout of webrtcbin 1.22");
    for (const auto& element : way_.elements) watch(G_OBJECT(element.element.get()), "notify", G_CALLBACK(on_setting));
    // "unlinked" is emitted on both pads of a link: the src-direction ones
    // of the way cover every link on it, entry's included.
    if (GST_PAD_IS_SRC(entry_)) watch(G_OBJECT(entry_), "unlinked", G_CALLBACK(on_unlinked));
    for (const auto& pad : way_.between)
      if (GST_PAD_IS_SRC(pad.get())) watch(G_OBJECT(pad.get()), "unlinked", G_CALLBACK(on_unlinked));
    return true;
  }

  static void on_setting(GObject*, GParamSpec*, gpointer data) {
    auto* self = static_cast<Shortcut*>(data);
    {
      // Never emitted while the lock is held: start_skipping only reads settings.
      std::lock_guard<std::mutex> hold(self->lock_);
      self->elements_act_.store(false, std::memory_order_release);  // look again
    }
    self->take_full_way();
  }
  static void on_unlinked(GstPad*, GstPad*, gpointer data) {
    auto* self = static_cast<Shortcut*>(data);
    // Without a log line: every link is undone when a connection closes.
    self->gave_up_.store(true, std::memory_order_release);
    self->take_full_way();
  }

  void watch(GObject* object, const char* signal, GCallback callback) {
    watched_.emplace_back(retain_gst(GST_OBJECT(object)), g_signal_connect(object, signal, callback, this));
  }

  bool give_up(const char* why) {
    GST_INFO_OBJECT(holder_, "%s: shortcut off: %s", what_.c_str(), why);
    gave_up_.store(true, std::memory_order_release);
    return false;
  }

  // Under the lock, on the pushing thread (the only one that reads handled_).
  bool elements_pass_through() {
    handled_.clear();
    for (const auto& element : way_.elements)
      if (!element.passes(element.element.get(), element.out, &handled_)) return false;
    return true;
  }

  static unsigned payload_type(GstBuffer* buffer) {
    guint8 second = 0;
    return gst_buffer_extract(buffer, 1, &second, 1) == 1 ? second & 0x7f : 128;
  }

  bool blocked_on_the_way() const {
    for (const auto& pad : way_.between)
      if (GST_PAD_IS_BLOCKED(pad.get())) return true;
    return false;
  }

  bool end_has_the_events() {
    if (way_.funnel_output) return end_has_the_funnels_events();
    // The caps the next pad received: a probe on a src pad may change the
    // caps it passes on (the transport-cc tag does), and the pad keeps the
    // caps it was given. A payload demuxer sends caps of its own.
    GstPad* sent = GST_PAD_IS_SRC(entry_) && !way_.between.empty() ? way_.between.front().get() : entry_;
    if (way_.caps_from) sent = way_.caps_from;
    g_autoptr(GstCaps) in = gst_pad_get_current_caps(sent);
    g_autoptr(GstCaps) there = gst_pad_get_current_caps(way_.end.get());
    g_autoptr(GstEvent) segment = gst_pad_get_sticky_event(way_.end.get(), GST_EVENT_SEGMENT, 0);
    return in && there && segment && gst_caps_is_equal(in, there);
  }

  // What rtpfunnel does when it switches to an input, once, under the lock
  // (repeats are dropped by the filter).
  void send_input_segment() {
    g_autoptr(GstEvent) segment = gst_pad_get_sticky_event(way_.funnel_input.get(), GST_EVENT_SEGMENT, 0);
    if (!segment) return;
    GST_PAD_STREAM_LOCK(way_.funnel_output.get());
    gst_pad_push_event(way_.funnel_output.get(), GST_EVENT(g_steal_pointer(&segment)));
    GST_PAD_STREAM_UNLOCK(way_.funnel_output.get());
  }

  // Past rtpfunnel the end has rtpfunnel's own caps (it keeps its inputs'),
  // and must have this input's segment; a segment let through later (counted
  // before comparing) sends buffers the full way again.
  bool end_has_the_funnels_events() {
    funnel_segments_at_start_.store(way_.funnel_segments->load(std::memory_order_acquire), std::memory_order_relaxed);
    g_autoptr(GstCaps) funnels = gst_pad_get_current_caps(way_.funnel_output.get());
    g_autoptr(GstCaps) there = gst_pad_get_current_caps(way_.end.get());
    if (!funnels || !there || !gst_caps_is_equal(funnels, there)) return false;
    g_autoptr(GstEvent) input_segment = gst_pad_get_sticky_event(way_.funnel_input.get(), GST_EVENT_SEGMENT, 0);
    return input_segment && has_segment_of(way_.end.get(), input_segment);
  }

  // Whether `pad` has a segment equal to the one `segment` (a SEGMENT event) carries.
  static bool has_segment_of(GstPad* pad, GstEvent* segment) {
    g_autoptr(GstEvent) sticky = gst_pad_get_sticky_event(pad, GST_EVENT_SEGMENT, 0);
    if (!sticky) return false;
    const GstSegment* theirs = nullptr;
    const GstSegment* ours = nullptr;
    gst_event_parse_segment(sticky, &theirs);
    gst_event_parse_segment(segment, &ours);
    return gst_segment_is_equal(theirs, ours);
  }

  const Kind kind_;
  GstObject* holder_;
  GstPad* entry_;
  const std::string what_;
  std::mutex lock_;  // the lookup and the checks; never held while chaining
  Way way_;          // set once, under the lock, before skipping_ is first set
  bool started_once_ = false;  // under the lock
  std::vector<std::pair<GstObjectPtr<GstObject>, gulong>> watched_;  // references, so they can always be disconnected
  std::atomic<bool> gave_up_{false};
  std::atomic<bool> elements_act_{false};  // until an element's setting changes
  PayloadTypes handled_;                   // what an element on the way acts on
  std::atomic<bool> skipping_{false};
  std::atomic<uint64_t> funnel_segments_at_start_{0};  // set before skipping_, read while skipping
  std::atomic<bool> send_segment_once_{false};
  std::atomic<bool> after_event_{false};
};

GstPadProbeReturn on_data(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* shortcut = static_cast<Shortcut*>(data);
  if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    shortcut->event_passed(GST_PAD_PROBE_INFO_EVENT(info));
    return GST_PAD_PROBE_OK;
  }
  return shortcut->chain_past(info) ? GST_PAD_PROBE_HANDLED : GST_PAD_PROBE_OK;
}

Shortcut* shortcut_of(gpointer holder) {
  return static_cast<Shortcut*>(g_object_get_data(G_OBJECT(holder), kPathShortcutData));
}

void install(Shortcut::Kind kind, GstObject* holder, GstPad* entry, const char* what) {
  auto* shortcut = new Shortcut(kind, holder, entry, what);
  g_object_set_data_full(G_OBJECT(holder), kPathShortcutData, shortcut,
                         [](gpointer data) { delete static_cast<Shortcut*>(data); });
  gst_pad_add_probe(entry,
                    static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST |
                                                 GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
                    on_data, shortcut, nullptr);
}

}  // namespace

std::vector<GstObjectPtr<GstPad>> ghost_pads_after(GstPad* src, GstObjectPtr<GstPad>* end) {
  return way_after(src, end, nullptr);
}

std::vector<GstObjectPtr<GstPad>> receive_pass_throughs_after(GstPad* src, GstObjectPtr<GstPad>* end,
                                                              std::vector<GstObjectPtr<GstElement>>* elements) {
  std::vector<PassThrough> found;
  std::vector<GstObjectPtr<GstPad>> way = way_after(src, end, &found);
  for (auto& element : found) {
    if (elements)
      elements->push_back(std::move(element.element));
    else
      element.element.reset();
  }
  return way;
}

bool skip_send_input_pass_throughs(GstElement* clocksync) {
  if (g_strcmp0(factory_name(clocksync), "clocksync") != 0 || shortcut_of(clocksync)) return false;
  g_autoptr(GstPad) sink = gst_element_get_static_pad(clocksync, "sink");
  if (!sink) return false;
  // The pad belongs to the clocksync, which holds the shortcut.
  install(Shortcut::Kind::Input, GST_OBJECT(clocksync), sink, "input");
  return true;
}

bool skip_ghost_pads_after(GstPad* src, const char* what) {
  if (shortcut_of(src)) return false;
  install(Shortcut::Kind::GhostPads, GST_OBJECT(src), src, what);
  return true;
}

bool skip_receive_pass_throughs_after(GstPad* src, const char* what) {
  if (shortcut_of(src)) return false;
  install(Shortcut::Kind::Receive, GST_OBJECT(src), src, what);
  return true;
}

bool path_is_skipping(gpointer holder) {
  Shortcut* shortcut = shortcut_of(holder);
  return shortcut && shortcut->skipping();
}

}  // namespace convene::media
