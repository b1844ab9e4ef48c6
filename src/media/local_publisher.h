// A participant whose media comes from inside the process (an SRT ingest):
// each LocalTrack becomes `appsrc ! tee` in the room's pipeline and a
// Publication like a WebRTC publisher's, so subscribers, the composite and
// recordings take it the same way. The owner pushes RTP through the
// LocalTrackInput it gets back.
//
// Threads: main loop, except the keyframe probe on each appsrc, which runs on
// whichever subscriber's streaming thread asks and only calls the input.
#pragma once

#include <gst/gst.h>

#include <memory>
#include <string>
#include <vector>

#include "media/local_track.h"
#include "util/gst_object_ptr.h"

namespace convene::media {

class MediaRoom;

class LocalPublisher {
 public:
  LocalPublisher(MediaRoom& room, std::string peer_id);
  // Stops every branch: nothing of this peer flows after, so subscribers can
  // be unlinked from the tees at once.
  void stop();
  ~LocalPublisher();  // stop(), then out of the pipeline
  LocalPublisher(const LocalPublisher&) = delete;
  LocalPublisher& operator=(const LocalPublisher&) = delete;

  // Publishes a new track in the room. Throws Refusal("invalid_track") for caps that are no RTP.
  std::shared_ptr<LocalTrackInput> add(const LocalTrack& track);

 private:
  struct Feed {
    GstObjectPtr<GstElement> appsrc;  // our reference (released in ~LocalPublisher)
    GstObjectPtr<GstElement> tee;     // our reference (released in ~LocalPublisher)
    std::shared_ptr<LocalTrackInput> input;
  };
  MediaRoom& room_;
  std::string peer_id_;
  std::vector<Feed> feeds_;
  unsigned next_ = 0;
};

}  // namespace convene::media
