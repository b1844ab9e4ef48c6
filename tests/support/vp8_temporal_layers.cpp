#include "vp8_temporal_layers.h"

#include <cstring>
#include <initializer_list>

namespace convene::testing {

namespace {

// vp8enc's array properties are GValueArrays of ints (deprecated type, but
// the one the element declares).
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
void set_int_array(GstElement* e, const char* property, std::initializer_list<int> values) {
  GValueArray* array = g_value_array_new(static_cast<guint>(values.size()));
  GValue v = G_VALUE_INIT;
  g_value_init(&v, G_TYPE_INT);
  for (int x : values) {
    g_value_set_int(&v, x);
    g_value_array_append(array, &v);
  }
  g_object_set(e, property, array, nullptr);
  g_value_array_free(array);
  g_value_unset(&v);
}
G_GNUC_END_IGNORE_DEPRECATIONS

}  // namespace

void configure_vp8_temporal_layers(GstElement* enc, int bitrate) {
  set_int_array(enc, "temporal-scalability-rate-decimator", {4, 2, 1});
  set_int_array(enc, "temporal-scalability-layer-id", {0, 2, 1, 2});
  set_int_array(enc, "temporal-scalability-target-bitrate", {bitrate * 2 / 5, bitrate * 3 / 5, bitrate});
  // Which reference buffers each frame of the period may use and refresh:
  // layer 0 only the last base frame; layer 1 the base frame (and keeps
  // itself in golden); the second layer-2 frame both.
  gst_util_set_object_arg(G_OBJECT(enc), "temporal-scalability-layer-flags",
                          "<no-ref-golden+no-upd-golden+no-upd-alt,"
                          "no-ref-golden+no-upd-last+no-upd-golden+no-upd-alt+no-upd-entropy,"
                          "no-ref-golden+no-upd-last+no-upd-alt,"
                          "no-upd-last+no-upd-golden+no-upd-alt+no-upd-entropy>");
  gst_util_set_object_arg(G_OBJECT(enc), "temporal-scalability-layer-sync-flags", "<false,true,true,false>");
  g_object_set(enc, "temporal-scalability-number-layers", 3, "temporal-scalability-periodicity", 4,
               "target-bitrate", bitrate, "error-resilient", 1, nullptr);
}

void configure_vp8_temporal_layers_in(GstBin* bin, int bitrate) {
  GstIterator* it = gst_bin_iterate_recurse(bin);
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
    auto* e = GST_ELEMENT(g_value_get_object(&item));
    GstElementFactory* f = gst_element_get_factory(e);
    if (f && !strcmp(GST_OBJECT_NAME(f), "vp8enc")) configure_vp8_temporal_layers(e, bitrate);
    g_value_reset(&item);
  }
  g_value_unset(&item);
  gst_iterator_free(it);
}

}  // namespace convene::testing
