// Threads: see convene_composite.h.
#include "convene_composite.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "convene_composite_layout.h"

GST_DEBUG_CATEGORY_STATIC(convene_composite_debug);
#define GST_CAT_DEFAULT convene_composite_debug

namespace {

constexpr gint kDefaultWidth = 1280;
constexpr gint kDefaultHeight = 720;
constexpr guint64 kDefaultLatency = 200 * GST_MSECOND;
constexpr guint kDefaultPlaceholderTimeoutMs = 1000;
// What the audio mixer takes in and gives out (see the mixer's set-up).
constexpr const char* kMixFormat = "audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=2";
constexpr int kBorder = 4;              // px of highlight around the speaker's tile
constexpr int kHelperFps = 10;          // placeholder and highlight sources: still pictures
constexpr guint kPlaceholderColour = 0xff303030;
constexpr guint kHighlightColour = 0xffffc800;

enum { LAYOUT_GRID, LAYOUT_SPEAKER };

enum {
  PROP_0,
  PROP_WIDTH,
  PROP_HEIGHT,
  PROP_FRAMERATE,
  PROP_LAYOUT,
  PROP_ACTIVE_SPEAKER,
  PROP_LATENCY,
  PROP_PLACEHOLDER_TIMEOUT,
};

enum { PAD_PROP_0, PAD_PROP_LABEL, PAD_PROP_SOURCE, PAD_PROP_PEER_ID, PAD_PROP_MUTED };

GstStaticPadTemplate video_sink_template = GST_STATIC_PAD_TEMPLATE(
    "video_%u", GST_PAD_SINK, GST_PAD_REQUEST,
    GST_STATIC_CAPS("application/x-rtp, media=(string)video, encoding-name=(string){ VP8, H264 }"));
GstStaticPadTemplate audio_sink_template = GST_STATIC_PAD_TEMPLATE(
    "audio_%u", GST_PAD_SINK, GST_PAD_REQUEST,
    GST_STATIC_CAPS("application/x-rtp, media=(string)audio, encoding-name=(string){ OPUS, opus }"));
GstStaticPadTemplate video_src_template =
    GST_STATIC_PAD_TEMPLATE("video", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("video/x-raw"));
GstStaticPadTemplate audio_src_template =
    GST_STATIC_PAD_TEMPLATE("audio", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("audio/x-raw"));

GType layout_get_type() {
  static GType type = 0;
  static const GEnumValue values[] = {
      {LAYOUT_GRID, "Grid of equal tiles", "grid"},
      {LAYOUT_SPEAKER, "Active speaker large, others in a column", "speaker"},
      {0, nullptr, nullptr},
  };
  if (g_once_init_enter(&type)) g_once_init_leave(&type, g_enum_register_static("ConveneCompositeLayout", values));
  return type;
}

// One request pad and what it feeds.
struct Input {
  ConveneCompositePad* pad = nullptr;  // owned by the element
  bool video = true;
  guint serial = 0;
  GstElement* entry = nullptr;         // the ghost pad's target (accepts caps before the branch exists)
  std::vector<GstElement*> chain;      // depay ... converter, built on the first CAPS event
  GstElement* label_overlay = nullptr;
  GstPad* mix_pad = nullptr;           // our reference to the mixer's request pad
  std::vector<GstElement*> placeholder;
  GstElement* placeholder_overlay = nullptr;
  GstPad* placeholder_pad = nullptr;
  std::atomic<gint64> last_frame_us{0};
  bool built = false;
  bool shown = false;  // video currently drawn over the placeholder
};

// C++ state of the element (the GObject struct stays plain C).
struct Private {
  std::mutex lock;
  std::vector<std::shared_ptr<Input>> inputs;
  gint width = kDefaultWidth, height = kDefaultHeight, fps_n = 30, fps_d = 1;
  int layout = LAYOUT_GRID;
  std::string active_speaker;
  guint64 latency = kDefaultLatency;
  guint placeholder_timeout_ms = kDefaultPlaceholderTimeoutMs;
  guint next_video = 0, next_audio = 0, serial = 0;
  std::vector<GstElement*> helpers;  // the highlight source (references)
};

}  // namespace

struct _ConveneCompositePad {
  GstGhostPad parent;
  gchar* label;  // these four under the pad's object lock
  gchar* source;
  gchar* peer_id;
  gboolean muted;
};

struct _ConveneComposite {
  GstBin parent;
  GstElement* compositor;
  GstElement* video_caps;
  GstElement* background_caps;
  GstElement* audiomixer;
  GstPad* highlight_pad;
  Private* priv;
};

G_DEFINE_TYPE(ConveneCompositePad, convene_composite_pad, GST_TYPE_GHOST_PAD)
G_DEFINE_TYPE(ConveneComposite, convene_composite, GST_TYPE_BIN)

namespace {

void pad_changed(ConveneComposite* self, ConveneCompositePad* pad);
void relayout_locked(ConveneComposite* self);

GstElement* make(ConveneComposite* self, const char* factory) {
  GstElement* e = gst_element_factory_make(factory, nullptr);
  if (!e) GST_ERROR_OBJECT(self, "no element %s: is its plugin installed?", factory);
  return e;
}

// A mixer that always runs on its clock: force-live is a construct-only
// property, so it is given when the element is made.
GstElement* make_live_mixer(ConveneComposite* self, const char* factory) {
  GstElement* e = gst_element_factory_make_full(factory, "force-live", TRUE, nullptr);
  if (!e) GST_ERROR_OBJECT(self, "no element %s: is its plugin installed?", factory);
  return e;
}

void set_if_exists(GstElement* e, const char* property, gboolean value) {
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(e), property)) g_object_set(e, property, value, nullptr);
}

GstCaps* video_caps(const Private& p, gint width, gint height) {
  return gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "I420", "width", G_TYPE_INT, width, "height",
                             G_TYPE_INT, height, "framerate", GST_TYPE_FRACTION, p.fps_n, p.fps_d,
                             "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, nullptr);
}

GstCaps* helper_caps(gint width, gint height) {
  return gst_caps_new_simple("video/x-raw", "width", G_TYPE_INT, width, "height", G_TYPE_INT, height, "framerate",
                             GST_TYPE_FRACTION, kHelperFps, 1, nullptr);
}

GstElement* capsfilter(ConveneComposite* self, GstCaps* caps) {
  GstElement* f = make(self, "capsfilter");
  g_object_set(f, "caps", caps, nullptr);
  gst_caps_unref(caps);
  return f;
}

// A live still source (solid colour, optional centred text) into a new
// compositor pad; returns the pad (a reference) and the elements.
GstPad* add_still_source(ConveneComposite* self, guint colour, const char* text, guint zorder,
                         std::vector<GstElement*>* elements, GstElement** overlay) {
  GstElement* src = make(self, "videotestsrc");
  g_object_set(src, "is-live", TRUE, "foreground-color", colour, nullptr);
  gst_util_set_object_arg(G_OBJECT(src), "pattern", "solid-color");
  GstElement* caps = capsfilter(self, helper_caps(320, 180));
  std::vector<GstElement*> list = {src, caps};
  if (text) {
    GstElement* o = make(self, "textoverlay");
    g_object_set(o, "text", text, "font-desc", "Sans 20", nullptr);
    gst_util_set_object_arg(G_OBJECT(o), "valignment", "center");
    gst_util_set_object_arg(G_OBJECT(o), "halignment", "center");
    list.push_back(o);
    if (overlay) *overlay = o;
  }
  for (GstElement* e : list) gst_bin_add(GST_BIN(self), GST_ELEMENT(gst_object_ref(e)));
  for (size_t i = 0; i + 1 < list.size(); ++i) gst_element_link(list[i], list[i + 1]);
  GstPad* mix = gst_element_request_pad_simple(self->compositor, "sink_%u");
  g_object_set(mix, "zorder", zorder, "alpha", 0.0, nullptr);
  g_autoptr(GstPad) out = gst_element_get_static_pad(list.back(), "src");
  gst_pad_link(out, mix);
  for (auto it = list.rbegin(); it != list.rend(); ++it) gst_element_sync_state_with_parent(*it);
  *elements = std::move(list);
  return mix;
}

std::string pad_string(ConveneCompositePad* pad, gchar* ConveneCompositePad::*field) {
  GST_OBJECT_LOCK(pad);
  std::string s = pad->*field ? pad->*field : "";
  GST_OBJECT_UNLOCK(pad);
  return s;
}

bool pad_muted(ConveneCompositePad* pad) {
  GST_OBJECT_LOCK(pad);
  bool m = pad->muted;
  GST_OBJECT_UNLOCK(pad);
  return m;
}

std::shared_ptr<Input> find_input_locked(Private* p, GstPad* pad) {
  for (auto& in : p->inputs)
    if (GST_PAD(in->pad) == pad) return in;
  return nullptr;
}

GstPadProbeReturn on_decoded_frame(GstPad*, GstPadProbeInfo*, gpointer data) {
  static_cast<Input*>(data)->last_frame_us.store(g_get_monotonic_time());
  return GST_PAD_PROBE_OK;
}

// Builds the decoding branch of `in` for `caps`. Element lock held.
void build_branch_locked(ConveneComposite* self, Input& in, const GstCaps* caps) {
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  const char* enc = gst_structure_get_string(s, "encoding-name");
  std::string encoding = enc ? enc : "";
  std::transform(encoding.begin(), encoding.end(), encoding.begin(), ::toupper);
  GstElement* queue = make(self, "queue");
  // Never push back on the room: drop the oldest when decoding falls behind.
  g_object_set(queue, "max-size-buffers", 0, "max-size-bytes", 0, "max-size-time", GST_SECOND, nullptr);
  gst_util_set_object_arg(G_OBJECT(queue), "leaky", "downstream");
  std::vector<GstElement*> chain = {queue};
  if (in.video && encoding == "VP8") {
    chain.push_back(make(self, "rtpvp8depay"));
    chain.push_back(make(self, "vp8dec"));
  } else if (in.video && encoding == "H264") {
    chain.push_back(make(self, "rtph264depay"));
    chain.push_back(make(self, "h264parse"));
    chain.push_back(make(self, "avdec_h264"));
  } else if (!in.video && encoding == "OPUS") {
    chain.push_back(make(self, "rtpopusdepay"));
    GstElement* dec = make(self, "opusdec");
    g_object_set(dec, "plc", TRUE, nullptr);
    chain.push_back(dec);
  } else {
    GST_WARNING_OBJECT(self, "%s: cannot decode %s; its input is dropped", GST_PAD_NAME(in.pad), encoding.c_str());
    GstElement* sink = make(self, "fakesink");
    g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
    chain.push_back(sink);
  }
  bool decodes = chain.size() > 2;
  if (decodes) {
    GstElement* depay = chain[1];
    set_if_exists(depay, "wait-for-keyframe", TRUE);
    set_if_exists(depay, "request-keyframe", TRUE);
    GstElement* dec = chain.back();
    // A stream joined mid-GOP or with losses must never error the composite.
    if (g_object_class_find_property(G_OBJECT_GET_CLASS(dec), "max-errors")) g_object_set(dec, "max-errors", -1, nullptr);
    g_autoptr(GstPad) dec_src = gst_element_get_static_pad(dec, "src");
    gst_pad_add_probe(dec_src, GST_PAD_PROBE_TYPE_BUFFER, on_decoded_frame, &in, nullptr);
    if (in.video) {
      chain.push_back(make(self, "videoconvert"));
      GstElement* overlay = make(self, "textoverlay");
      std::string label = pad_string(in.pad, &ConveneCompositePad::label);
      g_object_set(overlay, "text", label.c_str(), "font-desc", "Sans 16", "shaded-background", TRUE, nullptr);
      gst_util_set_object_arg(G_OBJECT(overlay), "valignment", "bottom");
      gst_util_set_object_arg(G_OBJECT(overlay), "halignment", "left");
      chain.push_back(overlay);
      in.label_overlay = overlay;
    } else {
      chain.push_back(make(self, "audioconvert"));
      chain.push_back(make(self, "audioresample"));
    }
  }
  for (GstElement* e : chain) gst_bin_add(GST_BIN(self), GST_ELEMENT(gst_object_ref(e)));
  for (size_t i = 0; i + 1 < chain.size(); ++i) gst_element_link(chain[i], chain[i + 1]);
  if (decodes) {
    GstElement* mixer = in.video ? self->compositor : self->audiomixer;
    in.mix_pad = gst_element_request_pad_simple(mixer, "sink_%u");
    if (in.video)
    {
      g_object_set(in.mix_pad, "zorder", 3u, "alpha", 0.0, nullptr);
      gst_util_set_object_arg(G_OBJECT(in.mix_pad), "sizing-policy", "keep-aspect-ratio");
    }
    else
      g_object_set(in.mix_pad, "mute", pad_muted(in.pad) ? TRUE : FALSE, nullptr);
    g_autoptr(GstPad) out = gst_element_get_static_pad(chain.back(), "src");
    gst_pad_link(out, in.mix_pad);
  }
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) gst_element_sync_state_with_parent(*it);
  gst_element_link(in.entry, queue);
  in.chain = std::move(chain);
  in.built = true;
  if (in.video) relayout_locked(self);
  GST_INFO_OBJECT(self, "%s: decoding %s", GST_PAD_NAME(in.pad), encoding.c_str());
}

GstPadProbeReturn on_sink_event(GstPad* pad, GstPadProbeInfo* info, gpointer data) {
  GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
  if (GST_EVENT_TYPE(event) != GST_EVENT_CAPS) return GST_PAD_PROBE_OK;
  auto* self = CONVENE_COMPOSITE(data);
  std::lock_guard<std::mutex> guard(self->priv->lock);
  auto in = find_input_locked(self->priv, pad);
  if (!in) return GST_PAD_PROBE_DROP;  // released meanwhile
  if (in->built) return GST_PAD_PROBE_OK;  // a codec change inside one track is not supported
  GstCaps* caps = nullptr;
  gst_event_parse_caps(event, &caps);
  build_branch_locked(self, *in, caps);
  return GST_PAD_PROBE_OK;
}

// Positions every tile from the current inputs. Element lock held.
void relayout_locked(ConveneComposite* self) {
  Private* p = self->priv;
  std::vector<Input*> tiles;
  for (auto& in : p->inputs)
    if (in->video) tiles.push_back(in.get());
  int featured = -1;
  int speaker = -1;
  for (size_t i = 0; i < tiles.size(); ++i) {
    std::string peer = pad_string(tiles[i]->pad, &ConveneCompositePad::peer_id);
    std::string source = pad_string(tiles[i]->pad, &ConveneCompositePad::source);
    if (source == "screen" && featured < 0) featured = static_cast<int>(i);
    if (!p->active_speaker.empty() && peer == p->active_speaker && source != "screen" && speaker < 0)
      speaker = static_cast<int>(i);
  }
  if (featured < 0 && p->layout == LAYOUT_SPEAKER && !tiles.empty()) featured = speaker >= 0 ? speaker : 0;
  auto placed = convene::composite::layout(p->width, p->height, static_cast<int>(tiles.size()), featured);
  for (size_t i = 0; i < tiles.size(); ++i) {
    const auto& t = placed[i];
    int x = t.x + kBorder, y = t.y + kBorder;
    int w = std::max(1, t.width - 2 * kBorder), h = std::max(1, t.height - 2 * kBorder);
    if (tiles[i]->placeholder_pad)
      g_object_set(tiles[i]->placeholder_pad, "xpos", x, "ypos", y, "width", w, "height", h, "alpha", 1.0, nullptr);
    if (tiles[i]->mix_pad)
      g_object_set(tiles[i]->mix_pad, "xpos", x, "ypos", y, "width", w, "height", h, nullptr);
  }
  if (speaker >= 0) {
    const auto& t = placed[static_cast<size_t>(speaker)];
    g_object_set(self->highlight_pad, "xpos", t.x, "ypos", t.y, "width", t.width, "height", t.height, "alpha", 1.0,
                 nullptr);
  } else {
    g_object_set(self->highlight_pad, "alpha", 0.0, nullptr);
  }
  GST_DEBUG_OBJECT(self, "layout: %zu tiles, featured %d, speaker %d", tiles.size(), featured, speaker);
}

// Runs on the compositor's thread once per output frame: a tile's video is
// drawn while it brings frames, else its placeholder shows through.
GstPadProbeReturn on_output_frame(GstPad*, GstPadProbeInfo*, gpointer data) {
  auto* self = CONVENE_COMPOSITE(data);
  Private* p = self->priv;
  std::lock_guard<std::mutex> guard(p->lock);
  gint64 now = g_get_monotonic_time();
  gint64 timeout = static_cast<gint64>(p->placeholder_timeout_ms) * 1000;
  for (auto& in : p->inputs) {
    if (!in->video || !in->mix_pad) continue;
    gint64 last = in->last_frame_us.load();
    bool show = last > 0 && now - last < timeout && !pad_muted(in->pad);
    if (show == in->shown) continue;
    in->shown = show;
    g_object_set(in->mix_pad, "alpha", show ? 1.0 : 0.0, nullptr);
    GST_DEBUG_OBJECT(self, "%s: %s", GST_PAD_NAME(in->pad), show ? "video" : "placeholder");
  }
  return GST_PAD_PROBE_OK;
}

void pad_changed(ConveneComposite* self, ConveneCompositePad* pad) {
  std::lock_guard<std::mutex> guard(self->priv->lock);
  auto in = find_input_locked(self->priv, GST_PAD(pad));
  if (!in) return;
  std::string label = pad_string(pad, &ConveneCompositePad::label);
  if (in->label_overlay) g_object_set(in->label_overlay, "text", label.c_str(), nullptr);
  if (in->placeholder_overlay) g_object_set(in->placeholder_overlay, "text", label.c_str(), nullptr);
  if (!in->video && in->mix_pad) g_object_set(in->mix_pad, "mute", pad_muted(pad) ? TRUE : FALSE, nullptr);
  if (in->video) relayout_locked(self);
}

// --- ConveneCompositePad

void pad_set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  auto* pad = CONVENE_COMPOSITE_PAD(object);
  GST_OBJECT_LOCK(pad);
  switch (id) {
    case PAD_PROP_LABEL: g_free(pad->label); pad->label = g_value_dup_string(value); break;
    case PAD_PROP_SOURCE: g_free(pad->source); pad->source = g_value_dup_string(value); break;
    case PAD_PROP_PEER_ID: g_free(pad->peer_id); pad->peer_id = g_value_dup_string(value); break;
    case PAD_PROP_MUTED: pad->muted = g_value_get_boolean(value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
  GST_OBJECT_UNLOCK(pad);
  g_autoptr(GstElement) parent = gst_pad_get_parent_element(GST_PAD(pad));
  if (parent && CONVENE_IS_COMPOSITE(parent)) pad_changed(CONVENE_COMPOSITE(parent), pad);
}

void pad_get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  auto* pad = CONVENE_COMPOSITE_PAD(object);
  GST_OBJECT_LOCK(pad);
  switch (id) {
    case PAD_PROP_LABEL: g_value_set_string(value, pad->label); break;
    case PAD_PROP_SOURCE: g_value_set_string(value, pad->source); break;
    case PAD_PROP_PEER_ID: g_value_set_string(value, pad->peer_id); break;
    case PAD_PROP_MUTED: g_value_set_boolean(value, pad->muted); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
  GST_OBJECT_UNLOCK(pad);
}

void pad_finalize(GObject* object) {
  auto* pad = CONVENE_COMPOSITE_PAD(object);
  g_free(pad->label);
  g_free(pad->source);
  g_free(pad->peer_id);
  G_OBJECT_CLASS(convene_composite_pad_parent_class)->finalize(object);
}

}  // namespace

static void convene_composite_pad_class_init(ConveneCompositePadClass* klass) {
  auto* oc = G_OBJECT_CLASS(klass);
  oc->set_property = pad_set_property;
  oc->get_property = pad_get_property;
  oc->finalize = pad_finalize;
  auto flags = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(oc, PAD_PROP_LABEL,
                                  g_param_spec_string("label", "Label", "Name drawn on the tile", "", flags));
  g_object_class_install_property(
      oc, PAD_PROP_SOURCE,
      g_param_spec_string("source", "Source", "camera, screen or microphone (a screen gets the large tile)", "camera",
                          flags));
  g_object_class_install_property(
      oc, PAD_PROP_PEER_ID, g_param_spec_string("peer-id", "Peer id", "Participant (matches active-speaker)", "", flags));
  g_object_class_install_property(
      oc, PAD_PROP_MUTED,
      g_param_spec_boolean("muted", "Muted", "Show the placeholder (video) or silence (audio)", FALSE, flags));
}

static void convene_composite_pad_init(ConveneCompositePad* pad) {
  pad->label = g_strdup("");
  pad->source = g_strdup("camera");
  pad->peer_id = g_strdup("");
  pad->muted = FALSE;
}

namespace {

GstPad* request_new_pad(GstElement* element, GstPadTemplate* templ, const gchar* req_name, const GstCaps*) {
  auto* self = CONVENE_COMPOSITE(element);
  Private* p = self->priv;
  bool video = g_str_has_prefix(GST_PAD_TEMPLATE_NAME_TEMPLATE(templ), "video");
  auto in = std::make_shared<Input>();
  in->video = video;
  g_autofree gchar* name = nullptr;
  {
    std::lock_guard<std::mutex> guard(p->lock);
    in->serial = p->serial++;
    name = req_name ? g_strdup(req_name)
                    : g_strdup_printf(video ? "video_%u" : "audio_%u", video ? p->next_video++ : p->next_audio++);
  }
  in->pad = CONVENE_COMPOSITE_PAD(
      g_object_new(CONVENE_TYPE_COMPOSITE_PAD, "name", name, "direction", GST_PAD_SINK, "template", templ, nullptr));
  in->entry = make(self, "capsfilter");
  gst_bin_add(GST_BIN(self), GST_ELEMENT(gst_object_ref(in->entry)));
  gst_element_sync_state_with_parent(in->entry);
  g_autoptr(GstPad) target = gst_element_get_static_pad(in->entry, "sink");
  gst_ghost_pad_set_target(GST_GHOST_PAD(in->pad), target);
  gst_pad_add_probe(GST_PAD(in->pad), GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_sink_event, self, nullptr);
  if (video)
    in->placeholder_pad = add_still_source(self, kPlaceholderColour, "", 2, &in->placeholder, &in->placeholder_overlay);
  {
    std::lock_guard<std::mutex> guard(p->lock);
    p->inputs.push_back(in);
    if (video) relayout_locked(self);
  }
  // Added pads are activated by the element when it is running.
  gst_element_add_pad(element, GST_PAD(in->pad));
  GST_INFO_OBJECT(self, "added %s", name);
  return GST_PAD(in->pad);
}

// Stops and removes elements we hold a reference to (they may already be
// out of the bin when the bin itself is being disposed).
void drop_elements(ConveneComposite* self, std::vector<GstElement*>& elements) {
  for (GstElement* e : elements) {
    if (GST_OBJECT_PARENT(e) == GST_OBJECT(self)) {
      gst_element_set_locked_state(e, TRUE);
      gst_element_set_state(e, GST_STATE_NULL);
      gst_bin_remove(GST_BIN(self), e);
    }
    gst_object_unref(e);
  }
  elements.clear();
}

void release_pad(GstElement* element, GstPad* pad) {
  auto* self = CONVENE_COMPOSITE(element);
  Private* p = self->priv;
  std::shared_ptr<Input> in;
  {
    std::lock_guard<std::mutex> guard(p->lock);
    in = find_input_locked(p, pad);
    if (!in) return;
    p->inputs.erase(std::find(p->inputs.begin(), p->inputs.end(), in));
    if (in->video) relayout_locked(self);
  }
  // The mixers' pads first: a branch blocked pushing into one wakes up flushing.
  // What the branch pushes after that is dropped where it leaves: a released
  // pad is unlinked, and a live source told NOT_LINKED posts an error (the
  // placeholder's videotestsrc did, between this release and its stop).
  GstElement* mixer = in->video ? self->compositor : self->audiomixer;
  bool mixer_alive = GST_OBJECT_PARENT(mixer) == GST_OBJECT(self);
  for (GstPad** mp : {&in->mix_pad, &in->placeholder_pad}) {
    if (!*mp) continue;
    if (g_autoptr(GstPad) branch_out = gst_pad_get_peer(*mp))
      gst_pad_add_probe(
          branch_out, GST_PAD_PROBE_TYPE_DATA_DOWNSTREAM,
          [](GstPad*, GstPadProbeInfo*, gpointer) { return GST_PAD_PROBE_DROP; }, nullptr, nullptr);
    if (mixer_alive) gst_element_release_request_pad(mixer, *mp);
    gst_object_unref(*mp);
    *mp = nullptr;
  }
  std::vector<GstElement*> all = {in->entry};
  all.insert(all.end(), in->chain.begin(), in->chain.end());
  all.insert(all.end(), in->placeholder.begin(), in->placeholder.end());
  in->chain.clear();
  in->placeholder.clear();
  drop_elements(self, all);
  gst_pad_set_active(pad, FALSE);
  gst_element_remove_pad(element, pad);
  GST_INFO_OBJECT(self, "released %s", GST_PAD_NAME(pad));
}

void set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  auto* self = CONVENE_COMPOSITE(object);
  Private* p = self->priv;
  bool caps_changed = false;
  {
    std::lock_guard<std::mutex> guard(p->lock);
    switch (id) {
      case PROP_WIDTH: p->width = g_value_get_int(value); caps_changed = true; break;
      case PROP_HEIGHT: p->height = g_value_get_int(value); caps_changed = true; break;
      case PROP_FRAMERATE:
        p->fps_n = gst_value_get_fraction_numerator(value);
        p->fps_d = gst_value_get_fraction_denominator(value);
        caps_changed = true;
        break;
      case PROP_LAYOUT: p->layout = g_value_get_enum(value); break;
      case PROP_ACTIVE_SPEAKER: p->active_speaker = g_value_get_string(value) ? g_value_get_string(value) : ""; break;
      case PROP_LATENCY:
        p->latency = g_value_get_uint64(value);
        g_object_set(self->compositor, "min-upstream-latency", p->latency, nullptr);
        g_object_set(self->audiomixer, "min-upstream-latency", p->latency, nullptr);
        break;
      case PROP_PLACEHOLDER_TIMEOUT: p->placeholder_timeout_ms = g_value_get_uint(value); break;
      default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec); return;
    }
    if (id != PROP_LATENCY && id != PROP_PLACEHOLDER_TIMEOUT) relayout_locked(self);
  }
  if (caps_changed) {
    GstCaps* caps = video_caps(*p, p->width, p->height);
    g_object_set(self->video_caps, "caps", caps, nullptr);
    gst_caps_unref(caps);
  }
}

void get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  auto* self = CONVENE_COMPOSITE(object);
  Private* p = self->priv;
  std::lock_guard<std::mutex> guard(p->lock);
  switch (id) {
    case PROP_WIDTH: g_value_set_int(value, p->width); break;
    case PROP_HEIGHT: g_value_set_int(value, p->height); break;
    case PROP_FRAMERATE: gst_value_set_fraction(value, p->fps_n, p->fps_d); break;
    case PROP_LAYOUT: g_value_set_enum(value, p->layout); break;
    case PROP_ACTIVE_SPEAKER: g_value_set_string(value, p->active_speaker.c_str()); break;
    case PROP_LATENCY: g_value_set_uint64(value, p->latency); break;
    case PROP_PLACEHOLDER_TIMEOUT: g_value_set_uint(value, p->placeholder_timeout_ms); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

void finalize(GObject* object) {
  auto* self = CONVENE_COMPOSITE(object);
  for (auto& in : self->priv->inputs) {
    if (in->mix_pad) gst_object_unref(in->mix_pad);
    if (in->placeholder_pad) gst_object_unref(in->placeholder_pad);
    gst_object_unref(in->entry);
    for (GstElement* e : in->chain) gst_object_unref(e);
    for (GstElement* e : in->placeholder) gst_object_unref(e);
  }
  if (self->highlight_pad) gst_object_unref(self->highlight_pad);
  for (GstElement* e : self->priv->helpers) gst_object_unref(e);
  gst_object_unref(self->compositor);
  gst_object_unref(self->audiomixer);
  delete self->priv;
  G_OBJECT_CLASS(convene_composite_parent_class)->finalize(object);
}

void add_ghost_src(ConveneComposite* self, GstElement* last, GstStaticPadTemplate* templ) {
  g_autoptr(GstPad) target = gst_element_get_static_pad(last, "src");
  g_autoptr(GstPadTemplate) t = gst_static_pad_template_get(templ);
  GstPad* ghost = gst_ghost_pad_new_from_template(templ->name_template, target, t);
  gst_element_add_pad(GST_ELEMENT(self), ghost);
}

}  // namespace

static void convene_composite_class_init(ConveneCompositeClass* klass) {
  auto* oc = G_OBJECT_CLASS(klass);
  auto* ec = GST_ELEMENT_CLASS(klass);
  oc->set_property = set_property;
  oc->get_property = get_property;
  oc->finalize = finalize;
  auto flags = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(oc, PROP_WIDTH,
                                  g_param_spec_int("width", "Width", "Output width", 16, 7680, kDefaultWidth, flags));
  g_object_class_install_property(
      oc, PROP_HEIGHT, g_param_spec_int("height", "Height", "Output height", 16, 4320, kDefaultHeight, flags));
  g_object_class_install_property(
      oc, PROP_FRAMERATE,
      gst_param_spec_fraction("framerate", "Framerate", "Output frame rate", 1, 1, 120, 1, 30, 1, flags));
  g_object_class_install_property(
      oc, PROP_LAYOUT,
      g_param_spec_enum("layout", "Layout", "grid or speaker", layout_get_type(), LAYOUT_GRID, flags));
  g_object_class_install_property(
      oc, PROP_ACTIVE_SPEAKER,
      g_param_spec_string("active-speaker", "Active speaker", "peer-id of the tile to highlight", "", flags));
  g_object_class_install_property(
      oc, PROP_LATENCY,
      g_param_spec_uint64("latency", "Latency", "How long (ns) the mixers wait for late input", 0, 10 * GST_SECOND,
                          kDefaultLatency, flags));
  g_object_class_install_property(
      oc, PROP_PLACEHOLDER_TIMEOUT,
      g_param_spec_uint("placeholder-timeout", "Placeholder timeout",
                        "ms without a decoded frame before a tile shows its placeholder", 0, 60000,
                        kDefaultPlaceholderTimeoutMs, flags));
  gst_element_class_add_static_pad_template_with_gtype(ec, &video_sink_template, CONVENE_TYPE_COMPOSITE_PAD);
  gst_element_class_add_static_pad_template_with_gtype(ec, &audio_sink_template, CONVENE_TYPE_COMPOSITE_PAD);
  gst_element_class_add_static_pad_template(ec, &video_src_template);
  gst_element_class_add_static_pad_template(ec, &audio_src_template);
  ec->request_new_pad = request_new_pad;
  ec->release_pad = release_pad;
  gst_element_class_set_static_metadata(
      ec, "Convene composite", "Filter/Editor/Video/Audio",
      "Decodes participants' RTP, lays their video out in a labelled grid and mixes their audio",
      "Convene <https://convene.invalid>");
  GST_DEBUG_CATEGORY_INIT(convene_composite_debug, "convenecomposite", 0, "Convene composite");
}

static void convene_composite_init(ConveneComposite* self) {
  self->priv = new Private();
  Private* p = self->priv;
  GstBin* bin = GST_BIN(self);

  // Video: a live background (keeps the compositor producing on its own
  // clock) → compositor → output caps.
  self->compositor = GST_ELEMENT(gst_object_ref(make_live_mixer(self, "compositor")));
  gst_util_set_object_arg(G_OBJECT(self->compositor), "background", "black");
  // force-live: an input being linked while the mixers run makes their
  // upstream latency query fail for a moment ("Latency query failed"); an
  // aggregator that then thinks it is not live waits for data on every pad,
  // and one silent input stalls the output for good (seen with audiomixer).
  g_object_set(self->compositor, "min-upstream-latency", p->latency,
               "ignore-inactive-pads", TRUE, nullptr);
  GstElement* bg = make(self, "videotestsrc");
  g_object_set(bg, "is-live", TRUE, nullptr);
  gst_util_set_object_arg(G_OBJECT(bg), "pattern", "black");
  self->background_caps = capsfilter(self, helper_caps(16, 16));
  self->video_caps = capsfilter(self, video_caps(*p, p->width, p->height));
  gst_bin_add_many(bin, bg, self->background_caps, self->compositor, self->video_caps, nullptr);
  gst_element_link(bg, self->background_caps);
  GstPad* bg_pad = gst_element_request_pad_simple(self->compositor, "sink_%u");
  g_object_set(bg_pad, "zorder", 0u, "alpha", 0.0, nullptr);
  g_autoptr(GstPad) bg_out = gst_element_get_static_pad(self->background_caps, "src");
  gst_pad_link(bg_out, bg_pad);
  gst_object_unref(bg_pad);  // the compositor keeps it; it lives as long as we do
  gst_element_link(self->compositor, self->video_caps);
  add_ghost_src(self, self->video_caps, &video_src_template);
  g_autoptr(GstPad) comp_src = gst_element_get_static_pad(self->compositor, "src");
  gst_pad_add_probe(comp_src, GST_PAD_PROBE_TYPE_BUFFER, on_output_frame, self, nullptr);

  self->highlight_pad = add_still_source(self, kHighlightColour, nullptr, 1, &p->helpers, nullptr);

  // Audio: live silence → audiomixer → 48 kHz stereo.
  self->audiomixer = GST_ELEMENT(gst_object_ref(make_live_mixer(self, "audiomixer")));
  g_object_set(self->audiomixer, "min-upstream-latency", p->latency, "ignore-inactive-pads", TRUE, nullptr);
  GstElement* silence = make(self, "audiotestsrc");
  g_object_set(silence, "is-live", TRUE, "samplesperbuffer", 960, nullptr);
  gst_util_set_object_arg(G_OBJECT(silence), "wave", "silence");
  // One fixed sample format in and out. Unpinned, audiomixer (1.22) fixates
  // its output to the format of its first configured input, so inputs
  // joining and leaving could switch it (S16 and F32) while buffers
  // converted for the old format were still queued: it then read a 20 ms
  // S16 buffer as F32, twice its size (ASan, a heap-buffer-overflow in the
  // mixer's copy, once in the recording tests; upstream dropped that
  // re-conversion in 2026). Each input is converted to it on its own pad.
  GstElement* audio_caps = capsfilter(self, gst_caps_from_string(kMixFormat));
  GstElement* out_caps = capsfilter(self, gst_caps_from_string(kMixFormat));
  gst_bin_add_many(bin, silence, audio_caps, self->audiomixer, out_caps, nullptr);
  gst_element_link_many(silence, audio_caps, self->audiomixer, out_caps, nullptr);
  add_ghost_src(self, out_caps, &audio_src_template);
}

gboolean convene_composite_register(GstPlugin* plugin) {
  return gst_element_register(plugin, "convenecomposite", GST_RANK_NONE, CONVENE_TYPE_COMPOSITE);
}
