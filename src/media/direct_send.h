// A subscribe connection's RTP leaves without srtpenc, funnel and nicesink.
//
// At the end of webrtcbin's send path (GStreamer 1.22) every forwarded packet
// still crosses three elements after rtpsession: srtpenc (which allocates an
// output buffer per packet, copies the packet into it and encrypts it), the
// funnel that merges it with DTLS (a lock and a sticky-event check per
// packet), and nicesink, a GstBaseSink (the preroll lock and sync
// bookkeeping per buffer) that hands it to the ICE agent. Here one probe on
// srtpenc's RTP input copies the packet once into stack memory, encrypts it
// in place with a libsrtp session keyed as srtpenc is (srtp_outbound.h) and
// gives it to the same ICE agent, stream and component nicesink sends on.
// RTCP and DTLS keep webrtcbin's way (srtpenc's RTCP session, the funnel,
// nicesink), so rtpsession's reports, feedback and transport-cc stay as they
// are: nothing about the packets changes, only which code sends them.
//
// Until srtpenc has DTLS's key (webrtcbin blocks RTP before that anyway)
// packets pass on to srtpenc; a key or profile srtp_outbound.h does not take
// leaves srtpenc encrypting for good.
//
// Threads: the probe runs on whichever thread pushes into srtpenc (a
// publisher's ICE thread, or the RTCP thread a retransmission was asked on),
// under that pad's stream lock, which is what keeps the one libsrtp session
// to one thread at a time. `nice_agent_send` takes the agent's own lock.
#pragma once

#include <gst/gst.h>
#include <nice/agent.h>

#include <functional>

namespace convene::media {

// Where nicesink sends: its ICE agent (a reference), stream and component.
struct IceTarget {
  NiceAgent* agent = nullptr;
  guint stream = 0;
  guint component = 0;
  IceTarget() = default;
  IceTarget(const IceTarget&) = delete;
  IceTarget& operator=(const IceTarget&) = delete;
  ~IceTarget() { g_clear_object(&agent); }
};
using FindIceTarget = std::function<bool(GstElement* srtpenc, IceTarget* target)>;

// The nicesink beside `srtpenc` in webrtcbin's transport send bin
// (TransportSendBin > dtlssrtpenc > srtpenc, and the bin's nicesink).
bool ice_target_of_transport(GstElement* srtpenc, IceTarget* target);

// Sends what enters srtpenc's first RTP input ("rtp_sink_0", now or when it
// is requested) directly, once srtpenc is keyed; `find` names where to, at
// that moment. False when `srtpenc` is not an srtpenc.
bool send_rtp_directly(GstElement* srtpenc, FindIceTarget find = ice_target_of_transport);

// Packets sent directly through `pad` so far (0 for a pad without it).
guint64 packets_sent_directly(GstPad* pad);

}  // namespace convene::media
