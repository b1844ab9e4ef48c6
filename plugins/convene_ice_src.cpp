#include "convene_ice_src.h"

#include <nice/agent.h>

GST_DEBUG_CATEGORY_STATIC(convene_ice_src_debug);
#define GST_CAT_DEFAULT convene_ice_src_debug

namespace {

enum {
  PROP_0,
  PROP_AGENT,
  PROP_STREAM,
  PROP_COMPONENT,
};

GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

}  // namespace

struct _ConveneIceSrc {
  GstElement parent;
  GstPad* srcpad;

  // Object lock.
  NiceAgent* agent;
  guint stream_id;
  guint component_id;

  // Set on the state-change thread, read by the receive callback; both under
  // the source pad's stream lock.
  gboolean receiving;
  GstFlowReturn last_flow;
  // What the callback was attached with (state-change thread only).
  NiceAgent* attached_agent;
  GMainContext* attached_context;
  guint attached_stream;
  guint attached_component;
};

G_DEFINE_TYPE(ConveneIceSrc, convene_ice_src, GST_TYPE_ELEMENT)

namespace {

// The agent's main context thread. libnice's buffer is its own and reused:
// the packet is copied (as nicesrc does).
void on_receive(NiceAgent*, guint, guint, guint length, gchar* data, gpointer user_data) {
  // Attached with this element (start_receiving): no checked cast per packet.
  auto* self = static_cast<ConveneIceSrc*>(user_data);
  // The socket's source, which is dispatching this packet. GLib blocks a
  // source that cannot recurse for each dispatch: it takes the socket out of
  // the context's poll set and puts it back, and each change writes the
  // context's wake-up eventfd, so the next poll() returns at once only to read
  // it back — a write, a read and a poll per received packet. Nothing here
  // runs the agent's context recursively, so the source may say it can.
  if (GSource* source = g_main_current_source(); source && !g_source_get_can_recurse(source))
    g_source_set_can_recurse(source, TRUE);
  GstBuffer* buffer = gst_buffer_new_allocate(nullptr, length, nullptr);
  gst_buffer_fill(buffer, 0, data, length);
  const GstClockTime now = gst_element_get_current_running_time(GST_ELEMENT_CAST(self));
  GST_BUFFER_DTS(buffer) = now;
  GST_BUFFER_PTS(buffer) = now;

  GST_PAD_STREAM_LOCK(self->srcpad);
  if (!self->receiving) {
    GST_PAD_STREAM_UNLOCK(self->srcpad);
    gst_buffer_unref(buffer);
    return;
  }
  const GstFlowReturn flow = gst_pad_push(self->srcpad, buffer);
  // A source stops on such a flow; this one keeps receiving (the next packet
  // may find the path relinked), and says so once per change.
  if (flow != self->last_flow) {
    if (flow != GST_FLOW_OK && flow != GST_FLOW_FLUSHING)
      GST_WARNING_OBJECT(self, "downstream answered %s; still receiving", gst_flow_get_name(flow));
    self->last_flow = flow;
  }
  GST_PAD_STREAM_UNLOCK(self->srcpad);
}

// What a live GstBaseSrc sends before its first packet: stream-start, the
// caps its peer fixes (nothing when the peer takes anything), a TIME
// segment.
void push_initial_events(ConveneIceSrc* self) {
  g_autofree gchar* stream_id = gst_pad_create_stream_id(self->srcpad, GST_ELEMENT(self), nullptr);
  gst_pad_push_event(self->srcpad, gst_event_new_stream_start(stream_id));
  GstCaps* caps = gst_pad_peer_query_caps(self->srcpad, nullptr);
  if (caps && !gst_caps_is_any(caps) && !gst_caps_is_empty(caps)) {
    caps = gst_caps_fixate(caps);
    gst_pad_push_event(self->srcpad, gst_event_new_caps(caps));
  }
  if (caps) gst_caps_unref(caps);
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  gst_pad_push_event(self->srcpad, gst_event_new_segment(&segment));
}

gboolean start_receiving(ConveneIceSrc* self) {
  GST_OBJECT_LOCK(self);
  NiceAgent* agent = self->agent ? NICE_AGENT(g_object_ref(self->agent)) : nullptr;
  const guint stream = self->stream_id;
  const guint component = self->component_id;
  GST_OBJECT_UNLOCK(self);
  if (!agent) return FALSE;

  GMainContext* context = nullptr;
  g_object_get(agent, "main-context", &context, nullptr);  // a pointer property: no reference
  if (!context) {
    // An agent made on the default context: libnice takes NULL for it too.
    GST_DEBUG_OBJECT(self, "the agent runs on the default main context");
  }
  self->attached_agent = agent;
  self->attached_context = context ? g_main_context_ref(context) : nullptr;
  self->attached_stream = stream;
  self->attached_component = component;

  push_initial_events(self);
  GST_PAD_STREAM_LOCK(self->srcpad);
  self->receiving = TRUE;
  self->last_flow = GST_FLOW_OK;
  GST_PAD_STREAM_UNLOCK(self->srcpad);
  if (!nice_agent_attach_recv(agent, stream, component, context, on_receive, self)) {
    GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("Could not receive from ICE stream %u component %u", stream, component),
                      (nullptr));
    return FALSE;
  }
  GST_DEBUG_OBJECT(self, "receiving stream %u component %u on the agent's own thread", stream, component);
  return TRUE;
}

void stop_receiving(ConveneIceSrc* self) {
  if (!self->attached_agent) return;
  // Detached on the same context, so the agent's thread keeps answering
  // ICE checks on the sockets (nicesrc moved them to a context nobody ran).
  nice_agent_attach_recv(self->attached_agent, self->attached_stream, self->attached_component,
                         self->attached_context, nullptr, nullptr);
  // A callback already past libnice's check finishes before this returns.
  GST_PAD_STREAM_LOCK(self->srcpad);
  self->receiving = FALSE;
  GST_PAD_STREAM_UNLOCK(self->srcpad);
  g_clear_pointer(&self->attached_context, g_main_context_unref);
  g_clear_object(&self->attached_agent);
}

GstStateChangeReturn change_state(GstElement* element, GstStateChange transition) {
  auto* self = CONVENE_ICE_SRC(element);
  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY: {
      GST_OBJECT_LOCK(self);
      const bool complete = self->agent && self->stream_id != 0 && self->component_id != 0;
      GST_OBJECT_UNLOCK(self);
      if (!complete) {
        GST_ERROR_OBJECT(self, "agent, stream and component must be set before it starts");
        return GST_STATE_CHANGE_FAILURE;
      }
      break;
    }
    case GST_STATE_CHANGE_PAUSED_TO_READY: stop_receiving(self); break;
    default: break;
  }

  GstStateChangeReturn result = GST_ELEMENT_CLASS(convene_ice_src_parent_class)->change_state(element, transition);
  if (result == GST_STATE_CHANGE_FAILURE) return result;

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      if (!start_receiving(self)) {
        stop_receiving(self);
        return GST_STATE_CHANGE_FAILURE;
      }
      return GST_STATE_CHANGE_NO_PREROLL;
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED: return GST_STATE_CHANGE_NO_PREROLL;
    default: return result;
  }
}

gboolean on_src_query(GstPad* pad, GstObject* parent, GstQuery* query) {
  if (GST_QUERY_TYPE(query) == GST_QUERY_LATENCY) {
    // Live, and nothing is held: a packet goes out as it comes in.
    gst_query_set_latency(query, TRUE, 0, GST_CLOCK_TIME_NONE);
    return TRUE;
  }
  return gst_pad_query_default(pad, parent, query);
}

void set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  auto* self = CONVENE_ICE_SRC(object);
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_AGENT: {
      NiceAgent* agent = NICE_AGENT(g_value_dup_object(value));
      if (self->agent) g_object_unref(self->agent);
      self->agent = agent;
      break;
    }
    case PROP_STREAM: self->stream_id = g_value_get_uint(value); break;
    case PROP_COMPONENT: self->component_id = g_value_get_uint(value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
  GST_OBJECT_UNLOCK(self);
}

void get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  auto* self = CONVENE_ICE_SRC(object);
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_AGENT: g_value_set_object(value, self->agent); break;
    case PROP_STREAM: g_value_set_uint(value, self->stream_id); break;
    case PROP_COMPONENT: g_value_set_uint(value, self->component_id); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
  GST_OBJECT_UNLOCK(self);
}

void dispose(GObject* object) {
  auto* self = CONVENE_ICE_SRC(object);
  stop_receiving(self);  // (a state change back to NULL already did)
  g_clear_object(&self->agent);
  G_OBJECT_CLASS(convene_ice_src_parent_class)->dispose(object);
}

}  // namespace

static void convene_ice_src_class_init(ConveneIceSrcClass* klass) {
  auto* object_class = G_OBJECT_CLASS(klass);
  auto* element_class = GST_ELEMENT_CLASS(klass);
  object_class->set_property = set_property;
  object_class->get_property = get_property;
  object_class->dispose = dispose;
  element_class->change_state = change_state;

  auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(
      object_class, PROP_AGENT,
      g_param_spec_object("agent", "Agent", "The NiceAgent to receive from", NICE_TYPE_AGENT, rw));
  g_object_class_install_property(object_class, PROP_STREAM,
                                  g_param_spec_uint("stream", "Stream ID", "The agent's stream to receive from", 0,
                                                    G_MAXUINT, 0, rw));
  g_object_class_install_property(object_class, PROP_COMPONENT,
                                  g_param_spec_uint("component", "Component ID",
                                                    "The stream's component to receive from", 0, G_MAXUINT, 0, rw));

  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(element_class, "Convene ICE source", "Source/Network",
                                        "Pushes what a libnice agent's component receives, on the agent's own "
                                        "thread: nicesrc without a thread and a main loop per packet",
                                        "Convene");
  GST_DEBUG_CATEGORY_INIT(convene_ice_src_debug, "conveneicesrc", 0, "Convene ICE source");
}

static void convene_ice_src_init(ConveneIceSrc* self) {
  self->srcpad = gst_pad_new_from_static_template(&src_template, "src");
  gst_pad_set_query_function(self->srcpad, on_src_query);
  gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
  GST_OBJECT_FLAG_SET(self, GST_ELEMENT_FLAG_SOURCE);
  self->last_flow = GST_FLOW_OK;
}

gboolean convene_ice_src_register(GstPlugin* plugin) {
  return gst_element_register(plugin, "conveneicesrc", GST_RANK_NONE, CONVENE_TYPE_ICE_SRC);
}

gboolean convene_ice_src_register_as(const gchar* name) {
  g_autoptr(GstElementFactory) existing = gst_element_factory_find(name);
  if (existing) {
    // A factory not yet loaded reports no type; ours is loaded once registered.
    if (gst_element_factory_get_element_type(existing) == CONVENE_TYPE_ICE_SRC) return TRUE;
    // Its plugin registers it again when it loads, replacing ours: load it
    // first.
    g_autoptr(GstPluginFeature) loaded = gst_plugin_feature_load(GST_PLUGIN_FEATURE(existing));
  }
  return gst_element_register(nullptr, name, GST_RANK_NONE, CONVENE_TYPE_ICE_SRC);
}
