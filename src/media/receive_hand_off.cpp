#include "media/receive_hand_off.h"

#include <atomic>

#include "media/pad_util.h"
#include "media/path_shortcut.h"
#include "util/log.h"
#include "util/gst_object_ptr.h"

#define GST_CAT_DEFAULT convene_media_debug

namespace convene::media {

namespace {

class ReceiveHandOff {
 public:
  // Lives as long as `queue` (its data), so it holds no reference to it.
  // `decoder_sink` is the decoder's first pad of its own, past its ghost pad.
  ReceiveHandOff(GstElement* queue, GstPad* decoder_sink)
      : queue_(queue), decoder_sink_(retain_gst(decoder_sink)) {
    update_mode();
  }
  ReceiveHandOff(const ReceiveHandOff&) = delete;
  ReceiveHandOff& operator=(const ReceiveHandOff&) = delete;

  // On the thread that changed `leaky`.
  void update_mode() {
    gint leaky = -1;
    g_object_get(queue_, "leaky", &leaky, nullptr);
    passing_.store(leaky == 0, std::memory_order_release);
  }

  // An event enters the queue (the receiving thread): packets go through the
  // queue again until it has come out.
  void event_in() { skipping_.store(false, std::memory_order_relaxed); }
  // True when the decoder holds every sticky event the queue was given (the
  // queue passes on the very event objects).
  bool sticky_events_delivered() {
    g_autoptr(GstPad) queue_sink = gst_element_get_static_pad(queue_, "sink");
    struct Check {
      GstPad* decoder_sink;
      bool all = true;
    } check{decoder_sink_.get()};
    gst_pad_sticky_events_foreach(
        queue_sink,
        [](GstPad*, GstEvent** event, gpointer data) -> gboolean {
          auto* c = static_cast<Check*>(data);
          g_autoptr(GstEvent) there = gst_pad_get_sticky_event(c->decoder_sink, GST_EVENT_TYPE(*event), 0);
          if (there != *event) c->all = false;
          return c->all;
        },
        &check);
    return check.all && gst_pad_has_current_caps(decoder_sink_.get());
  }

  // On the receiving thread. True when the data was chained past the queue.
  bool chain_past_queue(GstPadProbeInfo* info) {
    if (!passing_.load(std::memory_order_acquire)) {
      skipping_.store(false, std::memory_order_relaxed);
      return false;
    }
    if (!skipping_.load(std::memory_order_relaxed)) {
      // Start only once the queue has let out every packet and every sticky
      // event it took, so that nothing overtakes what went through it (the
      // decoder must have its stream-start, caps and segment first). (A
      // packet the queue's thread has taken out but not yet given on can
      // still land after the first one that skips, once, at the switch:
      // SRTP and DTLS both take reordering.)
      guint queued = 1;
      g_object_get(queue_, "current-level-buffers", &queued, nullptr);
      if (queued != 0 || !sticky_events_delivered()) return false;
      skipping_.store(true, std::memory_order_relaxed);
      GST_DEBUG_OBJECT(queue_, "received packets now skip the queue");
    }
    GstFlowReturn flow;
    if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER_LIST)
      flow = gst_pad_chain_list(decoder_sink_.get(), GST_PAD_PROBE_INFO_BUFFER_LIST(info));
    else
      flow = gst_pad_chain(decoder_sink_.get(), GST_PAD_PROBE_INFO_BUFFER(info));
    GST_PAD_PROBE_INFO_DATA(info) = nullptr;  // the chain took it
    // As the queue would: the receiver only stops when the path is being shut
    // down, never for what one packet did downstream.
    GST_PAD_PROBE_INFO_FLOW_RETURN(info) = flow == GST_FLOW_FLUSHING ? flow : GST_FLOW_OK;
    return true;
  }

 private:
  GstElement* queue_;
  GstObjectPtr<GstPad> decoder_sink_;
  std::atomic<bool> passing_{false};
  // Set and cleared on the receiving thread (its packets and events); atomic in
  // case an event ever comes from another.
  std::atomic<bool> skipping_{false};
};

GstPadProbeReturn on_queue_input(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* hand_off = static_cast<ReceiveHandOff*>(data);
  if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    hand_off->event_in();  // (flushes do not come to this probe)
    return GST_PAD_PROBE_OK;
  }
  return hand_off->chain_past_queue(info) ? GST_PAD_PROBE_HANDLED : GST_PAD_PROBE_OK;
}

}  // namespace

bool skip_receive_queue_when_passing(GstBin* receive_bin) {
  // The bin keeps the queue alive: this reference is only for the call.
  g_autoptr(GstElement) queue = child_by_factory(receive_bin, "queue");
  if (!queue) return false;

  g_autoptr(GstPad) queue_sink = gst_element_get_static_pad(queue, "sink");
  g_autoptr(GstPad) queue_src = gst_element_get_static_pad(queue, "src");
  if (!queue_sink || !queue_src) return false;
  // Past the decoder's ghost pad (dtlssrtpdec is a bin), which carries a
  // packet on unchanged: one pad fewer per packet.
  GstObjectPtr<GstPad> decoder_sink;
  ghost_pads_after(queue_src, &decoder_sink);  // (the pads on the way are let go at once)
  if (!decoder_sink) return false;
  // webrtcbin 1.22 filters the receiver's output with a capsfilter before
  // the queue: a GstBaseTransform that passes every packet on unchanged once
  // the caps are through (they are: events take the full way). The probe
  // goes on its input, so packets skip it as well.
  g_autoptr(GstPad) before_queue = gst_pad_get_peer(queue_sink);
  g_autoptr(GstElement) filter = before_queue ? gst_pad_get_parent_element(before_queue) : nullptr;
  g_autoptr(GstPad) filter_sink = filter && !g_strcmp0(factory_name(filter), "capsfilter")
                                      ? gst_element_get_static_pad(filter, "sink")
                                      : nullptr;
  GstPad* entry = filter_sink ? filter_sink : queue_sink;

  auto* hand_off = new ReceiveHandOff(queue, decoder_sink.get());
  decoder_sink.reset();
  g_object_set_data_full(G_OBJECT(queue), kReceiveHandOffData, hand_off,
                         [](gpointer data) { delete static_cast<ReceiveHandOff*>(data); });
  g_signal_connect(queue, "notify::leaky", G_CALLBACK(+[](GObject*, GParamSpec*, gpointer data) {
                     static_cast<ReceiveHandOff*>(data)->update_mode();
                   }),
                   hand_off);
  gst_pad_add_probe(entry,
                    static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST |
                                                 GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
                    on_queue_input, hand_off, nullptr);
  return true;
}

}  // namespace convene::media
