#include "transport_cc.h"

#include <gst/rtp/gstrtpbuffer.h>

#include <string>

namespace convene::rtp {

namespace {

constexpr guint16 kOneByteProfile = 0xBEDE;  // RFC 8285

bool has_only_transport_cc(GstRTPBuffer* rtp, guint8 id) {
  guint16 bits = 0;
  gpointer data = nullptr;
  guint words = 0;
  if (!gst_rtp_buffer_get_extension_data(rtp, &bits, &data, &words)) return false;
  // One word: the element (id, length 2 - 1), two bytes of sequence, one of padding.
  return bits == kOneByteProfile && words == 1 && static_cast<guint8*>(data)[0] == ((id << 4) | 1);
}

}  // namespace

GstBuffer* with_transport_cc(GstBuffer* buffer, guint8 id) {
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp)) return buffer;
  const bool done = has_only_transport_cc(&rtp, id);
  gst_rtp_buffer_unmap(&rtp);
  if (done) return buffer;
  buffer = gst_buffer_make_writable(buffer);
  if (!gst_rtp_buffer_map(buffer, GST_MAP_READWRITE, &rtp)) return buffer;
  if (gst_rtp_buffer_get_extension(&rtp)) gst_rtp_buffer_remove_extension_data(&rtp);
  const guint8 sequence[2] = {0, 0};  // rtpsession writes it
  gst_rtp_buffer_add_extension_onebyte_header(&rtp, id, sequence, sizeof sequence);
  gst_rtp_buffer_unmap(&rtp);
  return buffer;
}

GstCaps* caps_with_transport_cc(const GstCaps* caps, guint8 id) {
  GstCaps* out = gst_caps_copy(caps);
  const std::string field = "extmap-" + std::to_string(id);
  for (guint i = 0; i < gst_caps_get_size(out); ++i) {
    GstStructure* s = gst_caps_get_structure(out, i);
    gst_structure_filter_and_map_in_place(
        s, [](GQuark field_id, GValue*, gpointer) -> gboolean {
          return !g_str_has_prefix(g_quark_to_string(field_id), "extmap-");
        },
        nullptr);
    gst_structure_set(s, field.c_str(), G_TYPE_STRING, kTransportCcUri, nullptr);
  }
  return out;
}

void tag_transport_cc(GstPad* pad, guint8 id) {
  gst_pad_add_probe(
      pad, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
      [](GstPad*, GstPadProbeInfo* info, gpointer data) -> GstPadProbeReturn {
        const auto id = static_cast<guint8>(GPOINTER_TO_UINT(data));
        if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
          GST_PAD_PROBE_INFO_DATA(info) = with_transport_cc(GST_PAD_PROBE_INFO_BUFFER(info), id);
          return GST_PAD_PROBE_OK;
        }
        GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
        if (GST_EVENT_TYPE(event) != GST_EVENT_CAPS) return GST_PAD_PROBE_OK;
        GstCaps* caps = nullptr;
        gst_event_parse_caps(event, &caps);
        GstCaps* tagged = caps_with_transport_cc(caps, id);
        GST_PAD_PROBE_INFO_DATA(info) = gst_event_new_caps(tagged);
        gst_caps_unref(tagged);
        gst_event_unref(event);
        return GST_PAD_PROBE_OK;
      },
      GUINT_TO_POINTER(id), nullptr);
}

}  // namespace convene::rtp
