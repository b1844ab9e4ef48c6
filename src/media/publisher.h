// A participant's publish connection: the client offers its tracks, the
// server's webrtcbin answers (receive-only) and each incoming stream becomes
// a Publication of the room — a stream the offer announces (a=ssrc) as the
// answer goes out, before it arrives, so the others' subscribe connections
// are set up while this one still is. Adding or stopping a track (screen share) is a
// new offer on the same connection; a mid no longer listed is unpublished.
//
// A connection that has not connected (ICE + DTLS) within [media]
// publish_connect_timeout_sec of its offer is given up: the room frees it
// and tells the client, who may offer again.
//
// An audio m-line offering the RFC 6464 audio-level header extension gets it
// in the answer, and its publication reads loudness from it rather than
// decoding the audio (see Publication).
//
// Threads: main loop, except on_pad_added, which runs on the streaming thread
// that announced the pad: it links the pad at once (an unlinked webrtcbin pad
// would stop the stream with not-linked) to the tee made for its stream at
// the answer, which it takes from TransceiverSetup under its mutex, or to a
// new tee, and posts the rest;
// and on-new-transceiver, on webrtcbin's thread while it applies an offer,
// which reads the offer's extension ids under a mutex (TransceiverSetup).
#pragma once

#include <gst/gst.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "media/main_thread.h"
#include "media/sdp_streams.h"
#include "media/sfu.h"
#include "media/webrtc_endpoint.h"
#include "util/gobject_ptr.h"
#include "util/gst_object_ptr.h"

namespace convene::media {

class MediaRoom;
struct TransceiverSetup;

class Publisher {
 public:
  Publisher(MediaRoom& room, std::string peer_id);
  // Stops the webrtcbin, then every tee: nothing of this peer flows after,
  // so subscribers can be unlinked from the tees at once.
  void stop();
  ~Publisher();  // stop(), then out of the pipeline
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  // A publish-offer: `tracks` says what each mid the client sends on carries
  // (checked by the room). `request_id` (may be empty) goes back with any error about this offer.
  void offer(const std::string& sdp, const std::map<std::string, PublishedTrack>& tracks,
             const std::string& request_id = "");
  void add_remote_candidate(unsigned mline, const std::string& candidate);
  // Track ids of what this publisher has published now.
  std::vector<std::string> published() const;
  // The sources the last offer published in spatial layers, with the layers
  // it declared (bit i = layer i), whether or not their streams arrived yet.
  std::map<std::string, unsigned> layered_sources() const;
  // The id the publication of a layered source has (or will have).
  std::string layered_track_id(const std::string& source) const;

 private:
  struct Incoming {
    GstObjectPtr<GstElement> tee;  // our reference (released in ~Publisher)
    std::string kind;
    std::string encoding_name;
  };
  static void on_pad_added(GstElement* webrtcbin, GstPad* pad, gpointer data);
  // A stream webrtcbin announced on `mid`; `ssrc` (0: unknown) may say it is another mid's.
  void incoming_stream(std::string mid, GstObjectPtr<GstElement> tee, std::string kind, const std::string& encoding,
                       uint32_t ssrc);
  // Publishes every listed mid that has a stream, unpublishes the rest.
  void sync_publications();
  // A running tee in the room's pipeline, beside `webrtcbin` (ours: a new reference).
  static GstObjectPtr<GstElement> make_tee(GstElement* webrtcbin);
  // A tee in incoming_ for each stream the last offer announced (a=ssrc)
  // and lists as a track (not a spatial layer), made before the answer goes
  // out: its pad links to it when the stream arrives, and its publication
  // exists from now on.
  void prepare_announced_streams();
  std::string track_id(const std::string& mid) const { return peer_id_ + "/" + mid; }
  // The mid a layered source's publication is named after: its lowest layer's.
  std::string key_mid(const std::string& source) const;
  void start_connect_timer();

  MediaRoom& room_;
  std::string peer_id_;
  std::unique_ptr<WebRtcEndpoint> endpoint_;
  std::map<std::string, PublishedTrack> tracks_;  // mid -> what it carries, from the last offer
  std::map<uint32_t, SdpStream> announced_;     // ssrc -> its m-line, from every offer
  std::map<std::string, Incoming> incoming_;    // mid -> its stream's tee
  std::map<std::string, int> audio_level_ids_;  // mid -> audio-level extension id, from every answer
  std::shared_ptr<TransceiverSetup> setup_;     // shared with on-new-transceiver
  // Mids handed to the room -> the mid their publication is named after
  // (itself, or for a layer its source's key mid).
  std::map<std::string, std::string> published_;
  std::vector<GstObjectPtr<GstElement>> ignored_;  // tees of streams that could not be mapped (our references)
  bool answering_ = false;
  bool connected_ = false;
  GSourcePtr connect_timer_;      // runs from the first offer until connected
  std::string last_request_id_;  // of the latest publish-offer
  MainThreadHandle<Publisher> handle_{this};
};

}  // namespace convene::media
