// One subscriber's share of every forwarded packet, in process (issue #14
// item 4): convenertpforward → the transport-cc probe every subscribe
// connection has on its webrtcbin's sink pads → srtpenc. That is the per-packet
// work of a subscriber slot up to webrtcbin's RTP session, without a network,
// a second process or other threads, so a change to it shows in nanoseconds
// instead of in the noise of a room on two shared cores.
//
//   build/bench/forward-bench [packets] [rounds]
//
// The packets are what a browser publishes: 1,100 bytes of VP8 behind a
// header with three one-byte extensions (abs-send-time, the publisher's own
// transport-cc, mid), each pushed while another reference holds it, as a tee's
// other branches do. Prints ns per packet: the median of the rounds, and the
// fastest round.
//
// A second measure (issue #14 item 4, direct_send.h) takes the packets on
// past srtpenc, as webrtcbin sends them: srtpenc ! funnel ! nicesink with a
// real libnice agent connected over 127.0.0.1 to a second one, against the
// same pipeline with the direct send installed on srtpenc (libsrtp in place,
// nice_agent_send). Both send every packet as a UDP datagram; the figure is
// the pushing thread's CPU time per packet (the receiving agent's thread
// reads them on the other core), so the machine's other load counts less.
//
// Threads: the caller's pushes, and every element chains on it; the two ICE
// agents run their own threads.
#include <gst/gst.h>
#include <gst/rtp/gstrtpbuffer.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <time.h>

#include "convene_rtp_forward.h"
#include "media/direct_send.h"
#include "nice_agent_on_thread.h"
#include "transport_cc.h"

namespace {

constexpr guint8 kTransportCcId = 3;
constexpr guint kPayloadSize = 1100;

GstBuffer* browser_packet(guint16 seq, guint32 timestamp, bool keyframe) {
  GstBuffer* buffer = gst_rtp_buffer_new_allocate(kPayloadSize, 0, 0);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  gst_rtp_buffer_map(buffer, GST_MAP_READWRITE, &rtp);
  gst_rtp_buffer_set_ssrc(&rtp, 0xabcdef01);
  gst_rtp_buffer_set_seq(&rtp, seq);
  gst_rtp_buffer_set_timestamp(&rtp, timestamp);
  gst_rtp_buffer_set_payload_type(&rtp, 96);
  auto* payload = static_cast<guint8*>(gst_rtp_buffer_get_payload(&rtp));
  memset(payload, 0x5a, kPayloadSize);
  // VP8 payload descriptor (RFC 7741): start of partition 0; a keyframe has
  // the P bit clear in the first byte of the VP8 header.
  payload[0] = 0x10;
  payload[1] = keyframe ? 0x00 : 0x01;
  const guint8 abs_send_time[3] = {1, 2, 3}, transport_cc[2] = {0, 7}, mid[1] = {'1'};
  gst_rtp_buffer_add_extension_onebyte_header(&rtp, 2, abs_send_time, sizeof abs_send_time);
  gst_rtp_buffer_add_extension_onebyte_header(&rtp, kTransportCcId, transport_cc, sizeof transport_cc);
  gst_rtp_buffer_add_extension_onebyte_header(&rtp, 4, mid, sizeof mid);
  gst_rtp_buffer_unmap(&rtp);
  // As a packet out of srtpdec: one memory.
  GstMapInfo map;
  gst_buffer_map(buffer, &map, GST_MAP_READ);
  GstBuffer* flat = gst_buffer_new_memdup(map.data, map.size);
  gst_buffer_unmap(buffer, &map);
  gst_buffer_unref(buffer);
  return flat;
}

// A 30-byte master key: AES-128 ICM key and salt.
GstBuffer* srtp_key() {
  std::vector<guint8> key(30);
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<guint8>(i * 7 + 1);
  return gst_buffer_new_memdup(key.data(), key.size());
}

gint64 thread_cpu_ns() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<gint64>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

// Where srtpenc's output goes: a fakesink (no network), webrtcbin's
// funnel ! nicesink to a connected agent, or that same pipeline with the
// direct send on srtpenc.
enum class Tail { FakeSink, WebrtcbinWay, Direct };

struct Timing {
  double wall_ns;
  double cpu_ns;
};

// ns per packet for one round of `packets`.
Timing round_ns(int packets, Tail tail = Tail::FakeSink, convene::test::AgentOnThread* agent = nullptr) {
  GstElement* pipeline = gst_pipeline_new(nullptr);
  GstElement* forward = gst_element_factory_make("convenertpforward", nullptr);
  GstElement* srtp = gst_element_factory_make("srtpenc", nullptr);
  g_object_set(forward, "ssrc", 0x1234u, "payload-type", 100, nullptr);
  g_autoptr(GstBuffer) key = srtp_key();
  gst_util_set_object_arg(G_OBJECT(srtp), "rtp-cipher", "aes-128-icm");
  gst_util_set_object_arg(G_OBJECT(srtp), "rtp-auth", "hmac-sha1-80");
  g_object_set(srtp, "key", key, "random-key", FALSE, nullptr);
  gst_bin_add_many(GST_BIN(pipeline), forward, srtp, nullptr);
  // By name, as dtlssrtpenc asks for it (linking by template names it "pad0").
  g_autoptr(GstPad) srtp_input = gst_element_request_pad_simple(srtp, "rtp_sink_0");
  bool linked = gst_element_link_pads(forward, "src", srtp, "rtp_sink_0");
  if (tail == Tail::FakeSink) {
    // As webrtcbin's nicesink: no clock, no last sample.
    GstElement* sink = gst_element_factory_make("fakesink", nullptr);
    g_object_set(sink, "sync", FALSE, "async", FALSE, "enable-last-sample", FALSE, nullptr);
    gst_bin_add(GST_BIN(pipeline), sink);
    linked = linked && gst_element_link_pads(srtp, "rtp_src_0", sink, "sink");
  } else {
    // As webrtcbin's dtlssrtpenc ends: srtpenc's RTP into a funnel (which
    // also takes DTLS), then the transport's nicesink.
    GstElement* funnel = gst_element_factory_make("funnel", nullptr);
    GstElement* sink = gst_element_factory_make("nicesink", nullptr);
    g_object_set(sink, "agent", agent->agent(), "stream", agent->stream(), "component", 1u, "sync", FALSE, "async",
                 FALSE, nullptr);
    gst_bin_add_many(GST_BIN(pipeline), funnel, sink, nullptr);
    linked = linked && gst_element_link_pads(srtp, "rtp_src_0", funnel, nullptr) && gst_element_link(funnel, sink);
    if (tail == Tail::Direct)
      convene::media::send_rtp_directly(srtp, [agent](GstElement*, convene::media::IceTarget* target) {
        target->agent = convene::retain(agent->agent());
        target->stream = agent->stream();
        target->component = 1;
        return true;
      });
  }
  if (!linked) {
    std::fprintf(stderr, "could not link the pipeline\n");
    std::exit(1);
  }
  g_autoptr(GstPad) forward_src = gst_element_get_static_pad(forward, "src");
  g_autoptr(GstPad) srtp_sink = gst_pad_get_peer(forward_src);
  convene::rtp::tag_transport_cc(srtp_sink, kTransportCcId, std::make_shared<std::atomic<bool>>(true));
  // Our own src pad in place of the tee's.
  g_autoptr(GstPad) src = gst_pad_new("src", GST_PAD_SRC);
  g_autoptr(GstPad) forward_sink = gst_element_get_static_pad(forward, "sink");
  gst_pad_set_active(src, TRUE);
  gst_pad_link(src, forward_sink);
  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    std::fprintf(stderr, "the pipeline did not start\n");
    std::exit(1);
  }
  gst_pad_push_event(src, gst_event_new_stream_start("forward-bench"));
  g_autoptr(GstCaps) caps =
      gst_caps_from_string("application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96");
  gst_pad_push_event(src, gst_event_new_caps(caps));
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  gst_pad_push_event(src, gst_event_new_segment(&segment));

  std::vector<GstBuffer*> input;  // each also held by `shared`, as by a tee's other branches
  std::vector<GstBuffer*> shared;
  input.reserve(packets);
  shared.reserve(packets);
  for (int i = 0; i < packets; ++i) {
    GstBuffer* packet = browser_packet(static_cast<guint16>(i), 3000u * (i / 10), i == 0);
    shared.push_back(gst_buffer_ref(packet));
    input.push_back(packet);
  }
  const gint64 start = g_get_monotonic_time();
  const gint64 cpu_start = thread_cpu_ns();
  for (GstBuffer* packet : input) gst_pad_push(src, packet);
  const gint64 cpu_end = thread_cpu_ns();
  const gint64 end = g_get_monotonic_time();
  for (GstBuffer* packet : shared) gst_buffer_unref(packet);
  guint64 forwarded = 0;
  g_object_get(forward, "packets-forwarded", &forwarded, nullptr);
  if (forwarded != static_cast<guint64>(packets)) {
    std::fprintf(stderr, "only %lu of %d packets were forwarded\n", static_cast<unsigned long>(forwarded), packets);
    std::exit(1);
  }
  if (tail == Tail::Direct) {
    if (convene::media::packets_sent_directly(srtp_input) != static_cast<guint64>(packets)) {
      std::fprintf(stderr, "only %lu of %d packets were sent directly\n",
                   static_cast<unsigned long>(convene::media::packets_sent_directly(srtp_input)), packets);
      std::exit(1);
    }
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_pad_unlink(src, forward_sink);
  gst_object_unref(pipeline);
  return Timing{1000.0 * (end - start) / packets, static_cast<double>(cpu_end - cpu_start) / packets};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  const int packets = argc > 1 ? std::atoi(argv[1]) : 50000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 9;
  if (!convene_rtp_forward_register(nullptr)) return 1;
  round_ns(2000);  // warm up: plugins loaded, SRTP initialised
  std::vector<double> rounds_ns;
  for (int r = 0; r < rounds; ++r) rounds_ns.push_back(round_ns(packets).wall_ns);
  std::printf("forward-bench: %d packets of %u bytes of VP8 payload, %d rounds\n", packets, kPayloadSize, rounds);
  std::printf("  convenertpforward ! (transport-cc probe) srtpenc ! fakesink: %.0f ns/packet (median; fastest %.0f)\n",
              median(rounds_ns), *std::min_element(rounds_ns.begin(), rounds_ns.end()));

  // The send tail, alternating between the two ways round by round.
  convene::test::AgentOnThread sender(false), receiver(true);
  sender.receive_nothing();
  receiver.receive_nothing();
  if (!convene::test::connect_agents(sender, receiver)) {
    std::fprintf(stderr, "ICE over 127.0.0.1 did not connect\n");
    return 1;
  }
  round_ns(2000, Tail::WebrtcbinWay, &sender);
  round_ns(2000, Tail::Direct, &sender);
  std::vector<double> webrtcbin_cpu, direct_cpu;
  for (int r = 0; r < rounds; ++r) {
    webrtcbin_cpu.push_back(round_ns(packets, Tail::WebrtcbinWay, &sender).cpu_ns);
    direct_cpu.push_back(round_ns(packets, Tail::Direct, &sender).cpu_ns);
  }
  std::printf("  send tail, pushing thread's CPU per packet, each packet a UDP datagram over 127.0.0.1:\n");
  std::printf("    srtpenc ! funnel ! nicesink (webrtcbin's way): %.0f ns/packet (median; fastest %.0f)\n",
              median(webrtcbin_cpu), *std::min_element(webrtcbin_cpu.begin(), webrtcbin_cpu.end()));
  std::printf("    direct send (libsrtp in place, nice_agent_send): %.0f ns/packet (median; fastest %.0f)\n",
              median(direct_cpu), *std::min_element(direct_cpu.begin(), direct_cpu.end()));
  return 0;
}
