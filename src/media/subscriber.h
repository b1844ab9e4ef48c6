// A participant's subscribe connection: the server offers (send-only) every
// track the participant should receive and renegotiates whenever that set
// changes. Each track rides a slot: a transceiver with its own m-line and
// SSRC, fed by a convenertpforward straight from the publication's tee (no
// queue: no thread per slot, so threads grow with the room, not its square). A slot
// whose track went away goes quiet and is reused by the next track of
// the same kind, so the SDP does not grow with every join and leave; the
// forwarder keeps the outgoing stream continuous across the switch.
//
// Quality: every second the subscriber reads what its receiver reported
// (loss per stream; a REMB estimate, shown only) and sets each video slot's
// highest VP8 temporal layer (see layer_policy.h). A camera published in
// spatial layers (Publication::layered) rides one slot too: its forwarder
// takes every layer on sink_0..2 and sends one, chosen by layer_allocation
// from the viewer's track-settings (visible, tile size), the loss ladder and
// the bandwidth estimate, on the same timer and whenever settings change.
//
// Threads: main loop only. The forwarders run on the publishers' streaming
// threads (each track's tee pushes through all of its subscribers' forwarders
// into their webrtcbins); tee pads are unlinked under idle probes.
#pragma once

#include <gst/gst.h>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "media/congestion_feedback.h"
#include "media/layer_allocation.h"
#include "media/layer_policy.h"
#include "media/main_thread.h"
#include "media/rtcp_feedback.h"
#include "media/webrtc_endpoint.h"
#include "util/gobject_ptr.h"
#include "util/gst_object_ptr.h"

namespace convene::media {

class MediaRoom;
class Publication;

// The subscribe offer with "a=rtcp-fb:<pt> goog-remb" on every VP8/H.264
// format of its video m-lines (the text unchanged when it does not parse).
std::string with_remb_feedback(const std::string& sdp);

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
  // The peer's answer; an error webrtcbin finds in it later is reported with `request_id`.
  void answer(const std::string& sdp, const std::string& request_id = "");
  void add_remote_candidate(unsigned mline, const std::string& candidate);
  void set_muted(const std::string& track_id, bool muted);
  // The viewer's track-settings changed (MediaRoom keeps them): choose layers again.
  void settings_changed();
  // A layered publication gained a layer: slots carrying it take it too.
  void layer_added(const std::string& track_id);
  // Dynacast: the spatial layers the slot carrying `track_id` needs (the one
  // sent now and the one chosen; none while paused), or nullopt when no
  // layered slot carries it.
  std::optional<unsigned> needed_layers(const std::string& track_id) const;
  size_t active_tracks() const;
  uint64_t packets_forwarded() const;

  // One forwarded track as GET /rooms/:id/media shows it.
  struct SubscriptionStats {
    std::string peer_id, source, kind;
    int temporal_layer = -1;      // forwarded now (-1: the track has no layers)
    int max_temporal_layer = 3;   // what the policy allows
    double fraction_lost = 0;     // the receiver's latest report
    std::vector<double> layer_bitrates;  // bps of layers 0..n together, for each n the track has
    bool layered = false;         // a camera in spatial layers
    int layer = -1;               // spatial layer sent now (-1: none / no layers)
    int layer_wanted = -1;        // the layer chosen for it (-1: none / no layers)
    bool has_request = false;     // the viewer sent track-settings for it
    int requested_width = 0, requested_height = 0;
    bool paused = false;          // nothing forwarded (the viewer's tile is hidden)
    uint64_t bytes_forwarded = 0, packets_forwarded = 0;
    uint64_t spatial_switches = 0;
    // Keyframe requests the forwarder passed towards the publisher (the
    // subscriber's PLI/FIR, its start and resumes), and keyframes it sent on.
    uint64_t keyframe_requests = 0, keyframes_forwarded = 0;
  };
  std::vector<SubscriptionStats> subscriptions() const;
  // What the subscriber's link carries, from transport-cc feedback
  // (congestion_feedback.h); 0 until that feedback has measured it (the
  // estimator's start value is a guess, and layers are not lowered for it).
  double estimated_bitrate() const { return congestion_->estimator().measured() ? congestion_->estimate_bps() : 0; }
  double remb_bps() const { return remb_bps_; }  // the receiver's own REMB estimate, shown only
  const std::string& peer_id() const { return peer_id_; }

 private:
  struct Slot {
    std::string kind;       // audio | video
    std::string encoding;   // VP8, H264, OPUS
    unsigned ssrc = 0;
    // Our references below are released in ~Subscriber, in its order
    // (the transceiver with the slot, after it).
    GstObjectPtr<GstPad> webrtc_pad;  // our reference to webrtcbin's sink pad
    GstObjectPtr<GstWebRTCRTPTransceiver> transceiver;
    GstObjectPtr<GstElement> forward;  // our reference; in the pipeline
    std::string track_id;          // what the slot should carry ("" = inactive)
    std::string peer_id, source;   // of that track, for subscribe-offer
    std::string linked_track_id;   // what tee_pad feeds it from
    GstObjectPtr<GstPad> tee_pad;  // our reference, while linked
    LayerRateMeter rates;          // of the track it carries
    LossLayerCap loss_cap;
    double fraction_lost = 0;
    int max_layer = kTemporalLayers - 1;  // set on the forwarder
    // Spatial layers (a layered publication): the forwarder's sink_0..2 and
    // what feeds them (our references).
    bool layered = false;
    std::array<GstObjectPtr<GstPad>, kSpatialLayers> layer_sinks;
    std::array<GstObjectPtr<GstPad>, kSpatialLayers> layer_tee_pads;
    LossLadder ladder;
    int spatial_cap = kSpatialLayers - 1;  // what the loss ladder allows
    int desired_layer = -1;  // the allocation's choice among the declared layers
    int target_layer = -1;   // set on the forwarder: the nearest layer that has arrived
    bool paused = false;     // set on the forwarder
  };
  Slot& new_slot(const Publication& p);
  void assign(Slot& slot, const Publication& p);
  void unlink(Slot& slot, bool at_once);
  void link_assigned();
  void negotiate();
  void offer_now();
  void start_answer_timer();
  void start_quality_timer();
  void adapt_quality();
  // Chooses every video slot's spatial layer and pause state (layer_allocation).
  void allocate();
  // Links the layers of `p` that have arrived to the slot's forwarder.
  void link_layers(Slot& slot, Publication& p);
  bool layer_sink_linked(const Slot& slot) const;
  double allocation_estimate_bps() const;

  MediaRoom& room_;
  std::string peer_id_;
  std::unique_ptr<WebRtcEndpoint> endpoint_;
  std::unique_ptr<CongestionFeedback> congestion_;
  std::vector<std::unique_ptr<Slot>> slots_;
  bool connected_ = false;        // the connection has been up (forwarders may push)
  bool offer_in_flight_ = false;  // a subscribe-offer waits for its answer
  bool renegotiate_ = false;      // the set changed meanwhile
  uint64_t version_ = 1;          // bumped by every change of the slots
  uint64_t offered_version_ = 0;  // the version the offer in flight carries (0: unsure)
  GSourcePtr offer_soon_;  // the offer of this main-loop turn's changes, not yet made
  GSourcePtr answer_timer_;
  GSourcePtr quality_timer_;
  GSourcePtr relink_timer_;  // link_assigned() again once pending unlinks are through
  std::shared_ptr<RtcpFeedback> feedback_ = std::make_shared<RtcpFeedback>();
  double remb_bps_ = 0;
  MainThreadHandle<Subscriber> handle_{this};
};

}  // namespace convene::media
