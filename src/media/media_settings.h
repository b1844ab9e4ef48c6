// The [media] settings of the SFU (read from the config by the composition
// root: app/media_config.h).
//
// Threads: plain data, read on the main loop.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace convene::media {

struct MediaSettings {
  // Addresses ICE gathers on; empty = every interface (libnice's default, which leaves loopback out).
  std::vector<std::string> ice_addresses;
  // The address clients should reach (1:1 NAT): host candidates are announced with it.
  std::string announced_ip;
  int min_port = 0;  // 0 = any
  int max_port = 0;
  std::string stun_server;  // stun://host:port for the server's own reflexive candidates
  // How long a lost incoming packet is asked for again (with jitter_buffer:
  // how long webrtcbin's jitter buffers hold the packets after it).
  unsigned jitter_latency_ms = 50;
  // false: incoming packets are forwarded on arrival (convenertpnowait in
  // rtpbin's jitter buffer slot); true: through rtpjitterbuffer.
  bool jitter_buffer = false;
  // true: a subscribe connection retransmits through convenertxsend (one
  // thread fewer per participant); false: through webrtcbin's rtprtxsend.
  bool rtx_without_thread = true;
  // How long a subscribe connection keeps each packet it sent, to answer a
  // NACK with (convenertxsend's max-size-time; at most 512 packets a stream).
  unsigned retransmission_history_ms = 1000;
  // true: each ICE connection's packets are read and pushed on its ICE
  // agent's thread (conveneicesrc, registered as "nicesrc" for the whole
  // process when the first MediaModule starts); false: libnice's nicesrc,
  // a thread per connection.
  bool receive_without_thread = true;
  // true: a subscribe connection's RTP is encrypted and handed to its ICE
  // agent by direct_send.h once DTLS has keyed srtpenc; false: through
  // srtpenc, the DTLS funnel and nicesink.
  bool send_directly = true;
  // true (with send_directly): each forwarded packet is sent from its
  // forwarder's output by the connection's DirectSender (transport-cc
  // numbers, the retransmission history, sender reports), past rtpfunnel,
  // the RTX sender and rtpsession; false: through them.
  bool send_from_forwarders = true;
  // true: received packets skip the pads and elements of webrtcbin's receive
  // path that pass them on unchanged, and rtpbin's packet storage keeps
  // nothing unless FEC is negotiated (path_shortcut.h, fec_storage.h).
  bool skip_receive_pass_throughs = true;
  std::string video_codec = "VP8";  // VP8 or H264: what subscribers are offered
  // Seconds a subscriber may take to answer a subscribe-offer before it is offered again.
  int answer_timeout_sec = 10;
  // Seconds a publish connection may take to connect before it is freed (its client is told).
  int publish_connect_timeout_sec = 15;
  // Active speaker: loudness below this (dBov) is silence.
  double speaker_threshold_db = -50;
};

}  // namespace convene::media
