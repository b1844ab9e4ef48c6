// Threads: see room_composite.h. The Feed callbacks below run on streaming
// threads (the room pipeline's queue thread, the composite's tee threads).
#include "recording/room_composite.h"

#include "recording/tap.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>

#include <stdexcept>

#include "convene_composite.h"
#include "util/log.h"

#define GST_CAT_DEFAULT convene_recording_debug

namespace convene::recording {
struct RoomComposite::Track {
  media::TrackInfo info;
  PadPtr room_pad;        // from RoomMedia::request_track_pad
  ElementPtr room_queue;  // our tap in the room's pipeline
  ElementPtr room_sink;
  ElementPtr src;         // appsrc in ours
  PadPtr composite_pad;   // request pad of the composite
};

struct RoomComposite::Output {
  PadPtr video_tee_pad;
  PadPtr audio_tee_pad;
  ElementPtr video_queue, video_sink, audio_queue, audio_sink;
  const Feed* video_feed = nullptr;  // the sinks' callbacks own them: valid while the sinks are
  const Feed* audio_feed = nullptr;
};

RoomComposite::RoomComposite(media::RoomMedia& media, CompositeOptions options)
    : media_(&media), room_id_(media.room_id()) {
  static bool registered = convene_composite_register(nullptr);
  if (!registered) throw std::runtime_error("cannot register convenecomposite");
  std::string name = "composite-" + room_id_;
  pipeline_.reset(GST_ELEMENT(gst_object_ref_sink(gst_pipeline_new(name.c_str()))));
  composite_ = gst_element_factory_make("convenecomposite", "composite");
  if (!composite_) throw std::runtime_error("no convenecomposite element");
  g_object_set(composite_, "width", options.width, "height", options.height, "framerate", options.framerate, 1,
               nullptr);
  gst_util_set_object_arg(G_OBJECT(composite_), "layout", options.layout.c_str());
  video_tee_ = gst_element_factory_make("tee", "video-tee");
  audio_tee_ = gst_element_factory_make("tee", "audio-tee");
  g_object_set(video_tee_, "allow-not-linked", TRUE, nullptr);
  g_object_set(audio_tee_, "allow-not-linked", TRUE, nullptr);
  gst_bin_add_many(GST_BIN(pipeline_.get()), composite_, video_tee_, audio_tee_, nullptr);
  gst_element_link_pads(composite_, "video", video_tee_, "sink");
  gst_element_link_pads(composite_, "audio", audio_tee_, "sink");
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline_.get());
  gst_bus_add_watch(bus, on_bus, this);
  if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    gst_bus_remove_watch(bus);
    throw std::runtime_error("the composite pipeline did not start");
  }
  for (const auto& t : media.tracks()) track_added(t);
  GST_INFO("room %s: composite started with %zu tracks", room_id_.c_str(), tracks_.size());
}

RoomComposite::~RoomComposite() {
  while (!outputs_.empty()) {
    CompositeOutput* out = outputs_.begin()->first;
    detach(*out);
  }
  while (!tracks_.empty()) remove_track(tracks_.begin()->first);
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline_.get());
  gst_bus_remove_watch(bus);
  pipeline_.reset();  // to NULL, then unreferenced
  GST_INFO("room %s: composite stopped", room_id_.c_str());
}

void RoomComposite::track_added(const media::TrackInfo& info) {
  if (!media_ || tracks_.count(info.id) || (info.kind != "video" && info.kind != "audio")) return;
  GstElement* room_pipeline = GST_ELEMENT(media_->pipeline());
  GstPad* room_pad = media_->request_track_pad(info.id);
  if (!room_pad || !room_pipeline) return;
  auto t = std::make_unique<Track>();
  t->info = info;
  t->room_pad.reset(room_pad);

  // Our side first, so nothing arrives before it can be taken.
  t->src.reset(GST_ELEMENT(gst_object_ref(gst_element_factory_make("appsrc", nullptr))));
  g_object_set(t->src.get(), "is-live", TRUE, "format", GST_FORMAT_TIME, "max-bytes", static_cast<guint64>(4 << 20), "block",
               FALSE, nullptr);
  gst_util_set_object_arg(G_OBJECT(t->src.get()), "leaky-type", "downstream");
  gst_bin_add(GST_BIN(pipeline_.get()), t->src.get());
  t->composite_pad.reset(gst_element_request_pad_simple(composite_, info.kind == "video" ? "video_%u" : "audio_%u"));
  std::string label = info.username + (info.source == "screen" ? " (screen)" : "");
  g_object_set(t->composite_pad.get(), "label", label.c_str(), "peer-id", info.peer_id.c_str(), "source",
               info.source.c_str(), "muted", info.muted ? TRUE : FALSE, nullptr);
  g_autoptr(GstPad) src_pad = gst_element_get_static_pad(t->src.get(), "src");
  gst_pad_link(src_pad, t->composite_pad.get());
  gst_element_sync_state_with_parent(t->src.get());

  // Then the tap in the room's pipeline.
  auto* feed = new Feed();
  feed->dst.reset(GST_APP_SRC(gst_object_ref(t->src.get())));
  feed->timebase.reset(GST_ELEMENT(gst_object_ref(pipeline_.get())));
  auto tap = add_tap(GST_BIN(room_pipeline), feed);
  t->room_queue = std::move(tap.first);
  t->room_sink = std::move(tap.second);
  g_autoptr(GstPad) queue_sink = gst_element_get_static_pad(t->room_queue.get(), "sink");
  if (gst_pad_link(room_pad, queue_sink) != GST_PAD_LINK_OK)
    GST_WARNING("room %s: cannot link track %s", room_id_.c_str(), info.id.c_str());
  if (info.kind == "video") media_->request_keyframe(info.id);  // decoding starts at a keyframe
  GST_INFO("room %s: composite takes %s track %s (%s)", room_id_.c_str(), info.kind.c_str(), info.id.c_str(),
           info.username.c_str());
  tracks_[info.id] = std::move(t);
}

void RoomComposite::release_room_side(Track& t) {
  if (t.room_pad && media_) media_->release_track_pad(t.info.id, t.room_pad.get());
  t.room_pad.reset();
  GstElement* room_pipeline = media_ ? GST_ELEMENT(media_->pipeline()) : nullptr;
  take_out(room_pipeline ? GST_BIN(room_pipeline) : nullptr, {&t.room_queue, &t.room_sink});
}

void RoomComposite::remove_track(const std::string& track_id) {
  auto it = tracks_.find(track_id);
  if (it == tracks_.end()) return;
  Track& t = *it->second;
  release_room_side(t);
  // Order matters: the appsrc's thread may be blocked in a serialized query
  // (allocation) that waits on the mixer. So: drop whatever it still sends,
  // release the composite's pad (flushing the mixer pad frees such a query),
  // and only then stop the appsrc (which waits for its thread).
  g_autoptr(GstPad) src_pad = gst_element_get_static_pad(t.src.get(), "src");
  gst_pad_add_probe(
      src_pad, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_DATA_DOWNSTREAM | GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM),
      [](GstPad*, GstPadProbeInfo*, gpointer) { return GST_PAD_PROBE_DROP; }, nullptr, nullptr);
  if (t.composite_pad) gst_element_release_request_pad(composite_, t.composite_pad.get());
  t.composite_pad.reset();
  take_out(GST_BIN(pipeline_.get()), {&t.src});
  GST_INFO("room %s: composite dropped track %s", room_id_.c_str(), track_id.c_str());
  tracks_.erase(it);
}

void RoomComposite::track_removed(const media::TrackInfo& info) { remove_track(info.id); }

void RoomComposite::track_muted(const media::TrackInfo& info) {
  auto it = tracks_.find(info.id);
  if (it != tracks_.end() && it->second->composite_pad)
    g_object_set(it->second->composite_pad.get(), "muted", info.muted ? TRUE : FALSE, nullptr);
}

void RoomComposite::set_active_speaker(const std::string& peer_id) {
  g_object_set(composite_, "active-speaker", peer_id.c_str(), nullptr);
}

void RoomComposite::set_layout(const std::string& layout) {
  gst_util_set_object_arg(G_OBJECT(composite_), "layout", layout.c_str());
}

void RoomComposite::room_media_closing() {
  for (auto& [id, t] : tracks_) release_room_side(*t);
  media_ = nullptr;
}

void RoomComposite::attach(CompositeOutput& output) {
  if (outputs_.count(&output)) return;
  auto o = std::make_unique<Output>();
  GstClockTime offset = running_time(pipeline_.get());
  // The output runs on our clock with its base time moved to now, so its
  // running time and the rebased timestamps agree. They start at the first
  // buffer either feed passes on, which may come later than now: the outputs'
  // timestamps then run behind their clock by that much, as they already do
  // by the composite's latency, and live sinks just render them at once.
  g_autoptr(GstClock) clock = gst_element_get_clock(pipeline_.get());
  if (clock) {
    gst_pipeline_use_clock(GST_PIPELINE(output.pipeline()), clock);
    gst_element_set_start_time(output.pipeline(), GST_CLOCK_TIME_NONE);
    gst_element_set_base_time(output.pipeline(), gst_element_get_base_time(pipeline_.get()) + offset);
  }
  output.start();
  auto start = std::make_shared<OutputStart>();
  for (bool video : {true, false}) {
    auto* feed = new Feed();
    feed->dst.reset(GST_APP_SRC(gst_object_ref(video ? output.video() : output.audio())));
    feed->offset = offset;
    feed->start = start;
    (video ? o->video_feed : o->audio_feed) = feed;
    auto tap = add_tap(GST_BIN(pipeline_.get()), feed);
    PadPtr tee_pad(gst_element_request_pad_simple(video ? video_tee_ : audio_tee_, "src_%u"));
    g_autoptr(GstPad) queue_sink = gst_element_get_static_pad(tap.first.get(), "sink");
    gst_pad_link(tee_pad.get(), queue_sink);
    (video ? o->video_tee_pad : o->audio_tee_pad) = std::move(tee_pad);
    (video ? o->video_queue : o->audio_queue) = std::move(tap.first);
    (video ? o->video_sink : o->audio_sink) = std::move(tap.second);
  }
  outputs_[&output] = std::move(o);
  GST_INFO("room %s: output %s attached", room_id_.c_str(), output.name().c_str());
}

void RoomComposite::detach(CompositeOutput& output) {
  auto it = outputs_.find(&output);
  if (it == outputs_.end()) return;
  Output& o = *it->second;
  report_feeds(output, o);
  gst_element_release_request_pad(video_tee_, o.video_tee_pad.get());  // tee copes with this while streaming
  gst_element_release_request_pad(audio_tee_, o.audio_tee_pad.get());
  o.video_tee_pad.reset();
  o.audio_tee_pad.reset();
  take_out(GST_BIN(pipeline_.get()), {&o.video_queue, &o.video_sink, &o.audio_queue, &o.audio_sink});
  outputs_.erase(it);
  GST_INFO("room %s: output %s detached", room_id_.c_str(), output.name().c_str());
}

void RoomComposite::report_feeds(const CompositeOutput& output, const Output& o) const {
  const guint64 video = o.video_feed->pushed.load(), audio = o.audio_feed->pushed.load();
  const guint64 early = o.video_feed->before_start.load() + o.audio_feed->before_start.load();
  // An output whose video or audio got nothing ends without that stream
  // (a muxer declares only the tracks that had data).
  if (video == 0 || audio == 0)
    GST_WARNING("room %s: output %s got %" G_GUINT64_FORMAT " video and %" G_GUINT64_FORMAT
                " audio buffers from the composite (%" G_GUINT64_FORMAT " from before it started)",
                room_id_.c_str(), output.name().c_str(), video, audio, early);
  else
    GST_INFO("room %s: output %s got %" G_GUINT64_FORMAT " video and %" G_GUINT64_FORMAT " audio buffers",
             room_id_.c_str(), output.name().c_str(), video, audio);
}

gboolean RoomComposite::on_bus(GstBus*, GstMessage* message, gpointer data) {
  auto* self = static_cast<RoomComposite*>(data);
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ERROR: {
      g_autoptr(GError) err = nullptr;
      gst_message_parse_error(message, &err, nullptr);
      GST_WARNING("room %s: composite error from %s: %s", self->room_id_.c_str(), GST_OBJECT_NAME(message->src),
                  err->message);
      break;
    }
    case GST_MESSAGE_WARNING: {
      g_autoptr(GError) err = nullptr;
      gst_message_parse_warning(message, &err, nullptr);
      GST_DEBUG("room %s: composite warning from %s: %s", self->room_id_.c_str(), GST_OBJECT_NAME(message->src),
                err->message);
      break;
    }
    case GST_MESSAGE_LATENCY:
      gst_bin_recalculate_latency(GST_BIN(self->pipeline_.get()));
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

}  // namespace convene::recording
