#include "media/pad_util.h"

#include "media/main_thread.h"
#include "util/gst_object_ptr.h"

namespace convene::media {

void unlink_when_idle(GstPad* src, std::function<void()> done) {
  auto* held = new std::function<void()>(std::move(done));
  gst_pad_add_probe(
      src, GST_PAD_PROBE_TYPE_IDLE,
      [](GstPad* pad, GstPadProbeInfo*, gpointer data) -> GstPadProbeReturn {
        if (g_autoptr(GstPad) peer = gst_pad_get_peer(pad)) gst_pad_unlink(pad, peer);
        auto* fn = static_cast<std::function<void()>*>(data);
        post_to_main(std::move(*fn));
        *fn = nullptr;
        return GST_PAD_PROBE_REMOVE;
      },
      held, [](gpointer data) { delete static_cast<std::function<void()>*>(data); });
}

void stop_element(GstElement* element) {
  if (!element) return;
  gst_element_set_locked_state(element, TRUE);
  gst_element_set_state(element, GST_STATE_NULL);
}

void release_tee_pad(GstElement* tee, GstPad* pad) {
  if (g_autoptr(GstPad) peer = gst_pad_get_peer(pad)) gst_pad_unlink(pad, peer);
  gst_element_release_request_pad(tee, pad);
}

void remove_from_bin(GstElement* element) {
  if (!element) return;
  stop_element(element);
  if (g_autoptr(GstObject) parent = gst_object_get_parent(GST_OBJECT(element)))
    gst_bin_remove(GST_BIN(parent), element);
}

const char* factory_name(GstElement* element) {
  GstElementFactory* factory = gst_element_get_factory(element);
  return factory ? GST_OBJECT_NAME(factory) : "";
}

namespace {

// Every element `it` gives. A walk another thread interrupts by adding or
// removing a child (RESYNC: webrtcbin adds its transport bins on its own
// thread) starts again from the beginning, so nothing that was there all
// along is missed.
std::vector<GstObjectPtr<GstElement>> walk_whole(GstIterator* it) {
  std::vector<GstObjectPtr<GstElement>> elements;
  GValue item = G_VALUE_INIT;
  bool done = false;
  while (!done) {
    switch (gst_iterator_next(it, &item)) {
      case GST_ITERATOR_OK:
        elements.push_back(retain_gst(GST_ELEMENT(g_value_get_object(&item))));
        g_value_reset(&item);
        break;
      case GST_ITERATOR_RESYNC:
        elements.clear();
        gst_iterator_resync(it);
        break;
      default:
        done = true;
    }
  }
  g_value_unset(&item);
  return elements;
}

}  // namespace

GstElement* child_by_factory(GstBin* bin, const char* factory) {
  g_autoptr(GstIterator) it = gst_bin_iterate_elements(bin);
  for (auto& child : walk_whole(it))
    if (!g_strcmp0(factory_name(child.get()), factory)) return child.release();
  return nullptr;
}

std::vector<GstObjectPtr<GstElement>> descendants(GstBin* bin) {
  g_autoptr(GstIterator) it = gst_bin_iterate_recurse(bin);
  return walk_whole(it);
}

std::vector<GstObjectPtr<GstElement>> descendants_by_factory(GstBin* bin, const char* factory) {
  g_autoptr(GstIterator) it = gst_bin_iterate_all_by_element_factory_name(bin, factory);
  return walk_whole(it);
}

}  // namespace convene::media
