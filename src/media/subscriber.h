// A participant's subscribe connection: the server offers (send-only) every
// track the participant should receive and renegotiates whenever that set
// changes. Each track rides a slot: a transceiver with its own m-line and
// SSRC, fed by convenertpforward ! queue from the publication's tee. A slot
// whose track went away goes quiet and is reused by the next track of
// the same kind, so the SDP does not grow with every join and leave; the
// forwarder keeps the outgoing stream continuous across the switch.
//
// Threads: main loop only. The forwarders and queues run on streaming
// threads of their own; tee pads are unlinked under idle probes.
#pragma once

#include <gst/gst.h>

#include <memory>
#include <string>
#include <vector>

#include "media/main_thread.h"
#include "media/webrtc_endpoint.h"
#include "util/gobject_ptr.h"

namespace convene::media {

class MediaRoom;
class Publication;

class Subscriber {
 public:
  Subscriber(MediaRoom& room, std::string peer_id);
  ~Subscriber();
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  // Makes the connection carry exactly `wanted` (renegotiating when that changes).
  void set_tracks(const std::vector<const Publication*>& wanted);
  // The publication's tee has stopped (its publisher left): unlink at once.
  void drop_stopped(const std::string& track_id);
  void answer(const std::string& sdp);
  void add_remote_candidate(unsigned mline, const std::string& candidate);
  void set_muted(const std::string& track_id, bool muted);
  size_t active_tracks() const;
  uint64_t packets_forwarded() const;

 private:
  struct Slot {
    std::string kind;       // audio | video
    std::string encoding;   // VP8, H264, OPUS
    unsigned ssrc = 0;
    GstPad* webrtc_pad = nullptr;  // our reference to webrtcbin's sink pad
    GObjectPtr<GstWebRTCRTPTransceiver> transceiver;
    GstElement* queue = nullptr;    // our references; both in the pipeline
    GstElement* forward = nullptr;
    std::string track_id;          // what the slot should carry ("" = inactive)
    std::string peer_id, source;   // of that track, for subscribe-offer
    std::string linked_track_id;   // what tee_pad feeds it from
    GstPad* tee_pad = nullptr;     // our reference, while linked
  };
  Slot& new_slot(const Publication& p);
  void assign(Slot& slot, const Publication& p);
  void unlink(Slot& slot, bool at_once);
  void link_assigned();
  void negotiate();
  void start_answer_timer();

  MediaRoom& room_;
  std::string peer_id_;
  std::unique_ptr<WebRtcEndpoint> endpoint_;
  std::vector<std::unique_ptr<Slot>> slots_;
  bool offer_in_flight_ = false;  // a subscribe-offer waits for its answer
  bool renegotiate_ = false;      // the set changed meanwhile
  uint64_t version_ = 1;          // bumped by every change of the slots
  uint64_t offered_version_ = 0;  // the version the offer in flight carries (0: unsure)
  GSourcePtr answer_timer_;
  MainThreadHandle<Subscriber> handle_{this};
};

}  // namespace convene::media
