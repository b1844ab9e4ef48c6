// One WHEP viewer: a send-only webrtcbin answering the viewer's offer, and a
// slot per wanted m-line fed by a convenertpforward straight from a tee of
// what it plays (the composite stream's encoded output, or a participant's
// published track in the room's pipeline), as an SFU subscriber's slots
// are: no queue and no thread per viewer, each forwarder drops until the
// connection is up, then starts at a keyframe it asks for.
//
// Non-trickle: the answer goes out once ICE gathering is complete, with every
// candidate in it. The viewer is over when its connection fails, or when its
// receiver has sent no RTCP report for `timeout_sec` (it went away without
// DELETE: libnice in 1.22 has no consent freshness to notice).
//
// Threads: main loop only. The forwarders run on the streaming threads of
// the tees that feed them; webrtcbin's callbacks come back through
// WebRtcEndpoint's weak handle.
#pragma once

#include <gst/gst.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "media/main_thread.h"
#include "media/media_settings.h"
#include "media/rtcp_feedback.h"
#include "media/webrtc_endpoint.h"
#include "playback/whep_offer.h"
#include "util/gobject_ptr.h"

namespace convene::playback {

// What a viewer can receive on one m-line kind.
struct ViewerSource {
  std::string kind;  // audio | video
  // A new src pad of the tee that carries it (a reference the caller gets), or null.
  std::function<GstPad*()> request_pad;
  // Asks the source for a keyframe now (null: the forwarder's upstream request suffices).
  std::function<void()> keyframe;
};

class Viewer {
 public:
  struct Events {
    std::function<void(const std::string& answer)> answered;  // with every candidate
    std::function<void(const std::string& code, const std::string& message)> failed;  // may destroy the viewer
  };
  // `bin`: where its webrtcbin and forwarders go (the tees' pipeline).
  Viewer(GstBin* bin, std::string name, const media::MediaSettings& settings, int timeout_sec,
         std::vector<ViewerSource> sources, Events events);
  ~Viewer();  // off the tees first, then webrtcbin, then the forwarders
  Viewer(const Viewer&) = delete;
  Viewer& operator=(const Viewer&) = delete;

  // Answers `offer`, whose wanted lines are `lines` (read_whep_offer).
  void start(const std::string& offer, const std::vector<WantedLine>& lines);
  const std::string& name() const { return name_; }
  bool connected() const { return connected_; }
  uint64_t packets_forwarded() const;

 private:
  struct Slot {
    const ViewerSource* source = nullptr;
    unsigned ssrc = 0;
    GstPad* webrtc_pad = nullptr;   // our reference
    GstElement* forward = nullptr;  // our reference; in the bin
    GstPad* tee_pad = nullptr;      // our reference, while linked
  };
  void prepare(const std::vector<WantedLine>& lines);
  void link_sources();
  void maybe_answer();
  void check_alive();
  void fail(const std::string& code, const std::string& message);

  GstBin* bin_;
  std::string name_;
  int timeout_sec_;
  std::vector<ViewerSource> sources_;
  Events events_;
  std::unique_ptr<media::WebRtcEndpoint> endpoint_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::string answer_;
  std::vector<std::pair<unsigned, std::string>> candidates_;
  bool gathered_ = false;
  bool answered_ = false;
  bool connected_ = false;
  int64_t last_heard_us_ = 0;  // answer time, then each RTCP report
  std::shared_ptr<media::RtcpFeedback> feedback_ = std::make_shared<media::RtcpFeedback>();
  GSourcePtr alive_timer_;
  media::MainThreadHandle<Viewer> handle_{this};
};

}  // namespace convene::playback
