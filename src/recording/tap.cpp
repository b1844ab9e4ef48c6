// Threads: on_sample runs on the streaming thread of the tap's queue; the
// rest on the main loop.
#include "recording/tap.h"

#include <gst/app/gstappsink.h>

namespace convene::recording {

namespace {
void feed_free(gpointer data) { delete static_cast<Feed*>(data); }
}  // namespace

GstClockTime running_time(GstElement* pipeline) {
  g_autoptr(GstClock) clock = gst_element_get_clock(pipeline);
  if (!clock) return GST_CLOCK_TIME_NONE;
  GstClockTime now = gst_clock_get_time(clock);
  GstClockTime base = gst_element_get_base_time(pipeline);
  return now > base ? now - base : 0;
}

static GstFlowReturn on_sample(GstAppSink* sink, gpointer data) {
  auto* f = static_cast<Feed*>(data);
  GstSample* sample = gst_app_sink_pull_sample(sink);
  if (!sample) return GST_FLOW_EOS;
  GstCaps* caps = gst_sample_get_caps(sample);
  if (caps && (!f->caps || !gst_caps_is_equal(caps, f->caps.get()))) {
    f->caps.reset(gst_caps_ref(caps));
    gst_app_src_set_caps(f->dst.get(), caps);
  }
  GstBuffer* buffer = gst_buffer_copy(gst_sample_get_buffer(sample));  // shares the memory
  gst_sample_unref(sample);
  if (f->timebase) {
    GstClockTime now = running_time(f->timebase.get());
    if (!GST_CLOCK_TIME_IS_VALID(now)) {
      gst_buffer_unref(buffer);
      return GST_FLOW_OK;  // composite not playing yet
    }
    GST_BUFFER_PTS(buffer) = now;
    GST_BUFFER_DTS(buffer) = GST_CLOCK_TIME_NONE;
  } else {
    GstClockTime pts = GST_BUFFER_PTS(buffer);
    GstClockTime start = f->offset;
    if (GST_CLOCK_TIME_IS_VALID(pts) && pts >= f->offset && f->start) start = f->start->settle(pts);
    if (!GST_CLOCK_TIME_IS_VALID(pts) || pts < start) {
      f->before_start.fetch_add(1, std::memory_order_relaxed);
      gst_buffer_unref(buffer);
      return GST_FLOW_OK;  // from before this output started
    }
    GST_BUFFER_PTS(buffer) = pts - start;
    GST_BUFFER_DTS(buffer) = GST_CLOCK_TIME_NONE;
  }
  gst_app_src_push_buffer(f->dst.get(), buffer);  // never blocks: leaky appsrc
  f->pushed.fetch_add(1, std::memory_order_relaxed);
  return GST_FLOW_OK;  // whatever the consumer did, the producer carries on
}

// queue (leaky) ! appsink into `bin`, feeding `feed` (which it takes); returns both (our references).
std::pair<ElementPtr, ElementPtr> add_tap(GstBin* bin, Feed* feed) {
  GstElement* queue = gst_element_factory_make("queue", nullptr);
  g_object_set(queue, "max-size-buffers", 0, "max-size-bytes", 0, "max-size-time", GST_SECOND, nullptr);
  gst_util_set_object_arg(G_OBJECT(queue), "leaky", "downstream");
  GstElement* sink = gst_element_factory_make("appsink", nullptr);
  g_object_set(sink, "sync", FALSE, "async", FALSE, "enable-last-sample", FALSE, "max-buffers", 0, nullptr);
  GstAppSinkCallbacks callbacks = {};
  callbacks.new_sample = on_sample;
  gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, feed, feed_free);
  gst_bin_add_many(bin, GST_ELEMENT(gst_object_ref(queue)), GST_ELEMENT(gst_object_ref(sink)), nullptr);
  gst_element_link(queue, sink);
  gst_element_sync_state_with_parent(sink);
  gst_element_sync_state_with_parent(queue);
  return {ElementPtr(queue), ElementPtr(sink)};
}

// Stops elements and takes them out of `bin` (null: just stops them).
void take_out(GstBin* bin, std::initializer_list<ElementPtr*> elements) {
  for (ElementPtr* e : elements) {
    if (!*e) continue;
    gst_element_set_locked_state(e->get(), TRUE);
    gst_element_set_state(e->get(), GST_STATE_NULL);
    if (bin && GST_OBJECT_PARENT(e->get()) == GST_OBJECT(bin)) gst_bin_remove(bin, e->get());
    e->reset();
  }
}


}  // namespace convene::recording
