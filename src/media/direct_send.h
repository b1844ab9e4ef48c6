// A subscribe connection's RTP leaves without srtpenc, funnel and nicesink,
// and, with a DirectSender (below), without webrtcbin's send path at all.
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
// nicesink).
//
// Before srtpenc, each forwarded packet still crossed rtpfunnel, the RTX
// sender and rtpsession, about five pad crossings per subscriber, each a
// stream lock, two references and a probe walk, and rtpsession's own work
// per packet (its session lock, source statistics, transport-cc numbering
// on a mapped buffer). A DirectSender takes a slot's packets from its
// forwarder's direct output (convene_rtp_forward.h), as the tee shared them
// with the header fields the forwarder would have written (so the forwarder
// neither copies nor pushes them: the copy into stack memory here is the
// only one), and does, once per packet, the part of that work a receiver
// needs:
// - transport-cc: the packet goes out with one header extension, the
//   transport-wide sequence number, numbered here for the whole connection
//   (retransmissions too), with a record of when and how large it was sent,
//   which congestion_feedback.h matches with the receiver's feedback;
// - retransmission: the packet, as written here, is kept in the
//   connection's convenertxsend history as if it had passed that element
//   (copied there only for a payload type with retransmission); NACKs still reach it from
//   rtpsession (which handles feedback about every SSRC its caps named),
//   and its retransmissions still go out through rtpsession and srtpenc's
//   input, where they are numbered here;
// - NACKs: rtpsession acts on feedback only about streams it knows as its
//   own, which a stream sent here may not be; it still emits
//   "on-feedback-rtcp" for every feedback packet, where a NACK's packets
//   are wrapped by convenertxsend and sent here (keyframe requests, about
//   any stream: keyframe_feedback.h);
// - sender reports: each time rtpsession sends its own RTCP (on srtpenc's
//   RTCP input, about once a second), a compound of a sender report and the
//   CNAME goes out here for each stream sent in the last seconds, with this
//   sender's counts and the RTP time of "now" taken from the last packet
//   sent (what rtpsession does for its own), encrypted with this session
//   (srtpenc never protects RTCP of these SSRCs, so each SSRC's SRTCP index
//   stays one sequence).
// Events (caps, segments) still take webrtcbin's way, so rtpfunnel knows
// which input has which SSRC.
//
// Until srtpenc has DTLS's key (webrtcbin blocks RTP before that anyway)
// packets pass on to srtpenc; a key or profile srtp_outbound.h does not take
// leaves srtpenc encrypting for good (and a DirectSender's packets take
// webrtcbin's whole way).
//
// Threads: a DirectSender is called by each forwarder on the streaming
// thread that pushes it (the publishers'), by the probe on srtpenc's RTP
// input (the RTCP thread that asked for a retransmission), by the probe on
// its RTCP input (rtpsession's RTCP thread) and by congestion_feedback's
// probe (the RTCP receiving thread): one mutex keeps the libsrtp session,
// the counters and the records to one thread at a time. Without one, the
// probe runs under the srtpenc input pad's stream lock, which is what keeps
// its libsrtp session to one thread. Packets leave on the selected pair's
// UDP socket (selected_udp_path.h), or through `nice_agent_send`, which takes
// the agent's own lock, for a relayed or TCP pair.
#pragma once

#include <gst/gst.h>
#include <nice/agent.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "convene_rtp_forward.h"
#include "util/gobject_ptr.h"
#include "util/gst_object_ptr.h"

namespace convene::media {

// Where nicesink sends: its ICE agent (a reference), stream and component.
struct IceTarget {
  GObjectPtr<NiceAgent> agent;
  guint stream = 0;
  guint component = 0;
  IceTarget() = default;
  IceTarget(const IceTarget&) = delete;
  IceTarget& operator=(const IceTarget&) = delete;
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

class SrtpOutbound;
class SelectedUdpPath;

// One subscribe connection's sender of forwarded packets (see above).
class DirectSender {
 public:
  // What a sender takes: what enters srtpenc's RTP input, sent as it is
  // (send_rtp_directly), or also forwarded packets (send_forwarded), with the
  // work described above.
  enum class Takes { SrtpencInput, Forwarded };
  explicit DirectSender(Takes takes, FindIceTarget find = ice_target_of_transport);
  ~DirectSender();
  DirectSender(const DirectSender&) = delete;
  DirectSender& operator=(const DirectSender&) = delete;

  // The connection's srtpenc (webrtcbin's thread, as it is made): what enters
  // its RTP input is sent here too, and each RTCP packet rtpsession sends
  // through it is followed by the sender reports of the streams sent here
  // (a sender that takes forwarded packets). False when `srtpenc` is not
  // an srtpenc, or the connection has one already (then nothing is sent
  // here: one transport is what a bundled subscribe connection has).
  static bool attach(const std::shared_ptr<DirectSender>& self, GstElement* srtpenc);
  // The connection's convenertxsend, which keeps what is sent here.
  void set_retransmitter(GstElement* rtx);
  // The connection's rtpsession (webrtcbin's thread, as it is made): the
  // receiver's NACKs about streams sent here are answered from its
  // "on-feedback-rtcp" (rtpsession acts only on feedback about streams it
  // sent) with a retransmission sent here.
  static void watch_feedback(const std::shared_ptr<DirectSender>& self, GstElement* rtpsession);
  // Forwarded packets carry transport-cc extension `id`, numbered here,
  // while `*in_use` holds (the receiver took it); before this, none.
  void number_transport_cc(guint8 id, std::shared_ptr<const std::atomic<bool>> in_use);

  // A forwarded packet of a stream at `clock_rate`, as its forwarder
  // received it, with the forwarder's `rewrite` written into the copy made
  // here (the forwarder's direct output: convene_rtp_forward_set_output).
  // True when it was taken (sent, or dropped as srtpenc would drop it), false
  // while the connection is not keyed (then it had better take webrtcbin's way).
  bool send_forwarded(GstBuffer* original, const ConveneRtpRewrite& rewrite, guint clock_rate);

  struct Record {
    gint64 sent_us = 0;  // monotonic
    guint size = 0;      // bytes of the RTP packet, before SRTP
  };
  // What was sent with transport-wide sequence number `sequence`, while it
  // is among the last kRecords numbered.
  bool record_of(guint16 sequence, Record* record);
  static constexpr size_t kRecords = 4096;
  // Whether any packet was numbered here: from then on, only these records
  // say when a packet was sent (rtpsession's numbers are overwritten).
  bool numbering() const { return numbered_.load(std::memory_order_relaxed); }
  guint64 packets_sent() const { return sent_.load(std::memory_order_relaxed); }

  // A compound RTCP packet (SR and SDES CNAME) for each stream sent here in
  // the last kSenderFor, unencrypted. Public for tests.
  std::vector<std::vector<guint8>> sender_reports(gint64 now_us, guint64 ntp_now);
  // The CNAME the reports carry: rtpsession's, which the RTCP probe reads
  // from rtpsession's own reports. Public for tests.
  void set_cname(const std::string& cname);
  static constexpr gint64 kSenderFor = 5 * G_USEC_PER_SEC;

 private:
  struct Stream {
    guint32 packets = 0, octets = 0;
    guint32 last_rtp_time = 0;
    gint64 last_sent_us = 0;
    guint clock_rate = 0;
    // Some of its packets took webrtcbin's way (before the key): rtpsession
    // knows it, reports on it and answers feedback about it itself.
    bool via_rtpsession = false;
  };
  // Mutex held. Keys the session at the first packet after DTLS.
  bool started_locked();
  std::vector<std::vector<guint8>> sender_reports_locked(gint64 now_us, guint64 ntp_now);
  // Mutex held. Sends one packet (the RTP of `buffer`, with `rewrite`
  // written in when there is one), its extensions replaced by the
  // transport-wide number. A forwarded packet (`clock_rate` set) is kept
  // for retransmission as it was written, before encryption.
  void send_locked(GstBuffer* buffer, guint clock_rate, const ConveneRtpRewrite* rewrite = nullptr);
  static GstPadProbeReturn on_rtp(GstPad* pad, GstPadProbeInfo* info, gpointer self);
  static GstPadProbeReturn on_rtcp(GstPad* pad, GstPadProbeInfo* info, gpointer self);
  // Whether `ssrc` is a stream forwarded here, and not one rtpsession also
  // answers feedback about (it does for streams it was told of).
  bool answers_feedback_about(guint32 ssrc, GObject* session);
  void retransmit(guint32 ssrc, guint16 sequence);

  const Takes takes_;
  FindIceTarget find_;
  GWeakRef srtpenc_;
  std::atomic<bool> attached_{false};

  std::mutex mutex_;
  guint8 transport_cc_id_ = 0;
  std::shared_ptr<const std::atomic<bool>> transport_cc_in_use_;
  std::unique_ptr<SrtpOutbound> srtp_;
  IceTarget target_;
  std::unique_ptr<SelectedUdpPath> udp_path_;  // from the start on, beside target_
  // One encrypted packet to the receiver: on the UDP path, else through libnice.
  bool send_to_peer_locked(const guint8* data, size_t size);
  bool given_up_ = false;
  bool forwarded_off_ = false;  // a second transport: forwarded packets take webrtcbin's way
  guint16 next_sequence_ = 1;
  std::vector<std::pair<guint16, Record>> records_;  // at sequence % kRecords
  // The connection's convenertxsend (a reference: it does not hold this
  // sender, so no cycle), read under the mutex for each packet: a weak
  // reference would take a global lock and a reference per packet.
  GstObjectPtr<GstElement> rtx_;  // released in ~DirectSender
  // By SSRC: a connection has a few streams, so a list to walk is quicker
  // than hashing for each packet.
  std::vector<std::pair<guint32, Stream>> streams_;
  Stream& stream_locked(guint32 ssrc);
  const Stream* find_stream_locked(guint32 ssrc) const;
  std::string cname_;  // rtpsession's, read from its reports
  std::atomic<bool> numbered_{false};
  std::atomic<guint64> sent_{0};
  std::atomic<guint64> nacks_{0}, reports_sent_{0};

 public:
  // Feedback answered here (rtpsession counts only what it answers itself).
  guint64 nacks_received() const { return nacks_.load(std::memory_order_relaxed); }
  guint64 sender_reports_sent() const { return reports_sent_.load(std::memory_order_relaxed); }
};

}  // namespace convene::media
