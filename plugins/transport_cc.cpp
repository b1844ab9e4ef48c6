#include "transport_cc.h"

#include <gst/rtp/gstrtpbuffer.h>

#include <cstring>
#include <string>

namespace convene::rtp {

namespace {

constexpr guint16 kOneByteProfile = 0xBEDE;  // RFC 8285

bool has_only_transport_cc(GstRTPBuffer* rtp, guint8 id) {
  // Without an id: no extension, and in one memory (rtpfunnel maps every
  // packet writable; a payload memory shared with other subscribers' copies
  // would be copied there).
  if (id == 0) return !gst_rtp_buffer_get_extension(rtp) && gst_buffer_n_memory(rtp->buffer) == 1;
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
  if (has_only_transport_cc(&rtp, id)) {
    gst_rtp_buffer_unmap(&rtp);
    return buffer;
  }
  // The packet written again into one new memory, from the pieces this one
  // map found: header, the one element, payload, padding. (GstRTPBuffer's
  // extension calls would first copy the header, the extension block and the
  // payload into three memories of their own, then swap the block's for a
  // new one, and srtpenc would copy the three into one again.)
  const gsize header = rtp.size[0];  // fixed part and CSRCs
  const auto* payload = static_cast<const guint8*>(gst_rtp_buffer_get_payload(&rtp));
  const gsize payload_size = gst_rtp_buffer_get_payload_len(&rtp);
  const gsize padding = rtp.size[3];
  // Profile, length (one word), the element; nothing without an id.
  const gsize extension_size = id ? 8 : 0;
  GstMemory* memory = gst_allocator_alloc(nullptr, header + extension_size + payload_size + padding, nullptr);
  GstMapInfo out;
  gst_memory_map(memory, &out, GST_MAP_WRITE);
  memcpy(out.data, rtp.data[0], header);
  guint8* extension = out.data + header;
  if (id) {
    out.data[0] |= 0x10;  // X
    GST_WRITE_UINT16_BE(extension, kOneByteProfile);
    GST_WRITE_UINT16_BE(extension + 2, 1);
    // The element (id, length 2 - 1), an empty sequence (rtpfunnel and
    // rtpsession write it), one byte of padding.
    extension[4] = static_cast<guint8>((id << 4) | 1);
    extension[5] = extension[6] = extension[7] = 0;
  } else {
    out.data[0] &= static_cast<guint8>(~0x10);
  }
  if (payload_size) memcpy(extension + extension_size, payload, payload_size);
  if (padding) memcpy(extension + extension_size + payload_size, rtp.data[3], padding);
  gst_memory_unmap(memory, &out);
  gst_rtp_buffer_unmap(&rtp);
  buffer = gst_buffer_make_writable(buffer);
  gst_buffer_replace_all_memory(buffer, memory);
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

namespace {

struct Tag {
  guint8 id;
  std::shared_ptr<const std::atomic<bool>> in_use;
};

}  // namespace

void tag_transport_cc(GstPad* pad, guint8 id, std::shared_ptr<const std::atomic<bool>> in_use) {
  gst_pad_add_probe(
      pad, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
      [](GstPad*, GstPadProbeInfo* info, gpointer data) -> GstPadProbeReturn {
        const auto* tag = static_cast<const Tag*>(data);
        if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
          const guint8 id = tag->in_use->load(std::memory_order_relaxed) ? tag->id : 0;
          GST_PAD_PROBE_INFO_DATA(info) = with_transport_cc(GST_PAD_PROBE_INFO_BUFFER(info), id);
          return GST_PAD_PROBE_OK;
        }
        GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
        if (GST_EVENT_TYPE(event) != GST_EVENT_CAPS) return GST_PAD_PROBE_OK;
        GstCaps* caps = nullptr;
        gst_event_parse_caps(event, &caps);
        GstCaps* tagged = caps_with_transport_cc(caps, tag->id);
        GST_PAD_PROBE_INFO_DATA(info) = gst_event_new_caps(tagged);
        gst_caps_unref(tagged);
        gst_event_unref(event);
        return GST_PAD_PROBE_OK;
      },
      new Tag{id, std::move(in_use)}, [](gpointer data) { delete static_cast<Tag*>(data); });
}

}  // namespace convene::rtp
