// A stand-in for the SFU's RoomMediaProvider (src/media/room_media.h): one
// live pipeline per room with, per fake participant, a solid-colour VP8
// camera and an Opus tone, each ending in a tee like a published track.
// Lets recording and egress run for real without WebRTC.
//
// Threads: main loop (like the real one).
#pragma once

#include <gst/gst.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "media/room_media.h"

namespace convene::testing {

class FakeRoomMedia : public media::RoomMedia {
 public:
  FakeRoomMedia(std::string room_id, ListenerList<media::RoomMediaListener*>* listeners);
  ~FakeRoomMedia() override;

  // A participant with a camera in participant colour `colour` and a microphone.
  void add_participant(const std::string& peer_id, const std::string& username, size_t colour);
  void remove_participant(const std::string& peer_id);
  void set_muted(const std::string& track_id, bool muted);

  const std::string& room_id() const override { return room_id_; }
  GstPipeline* pipeline() override { return GST_PIPELINE(pipeline_); }
  std::vector<media::TrackInfo> tracks() const override;
  GstPad* request_track_pad(const std::string& track_id) override;
  void release_track_pad(const std::string& track_id, GstPad* pad) override;
  void request_keyframe(const std::string& track_id) override;
  int pads_out() const { return pads_out_; }

 private:
  struct Track {
    media::TrackInfo info;
    GstElement* bin = nullptr;  // source ... ! tee name=t (owned by the pipeline)
  };
  GstElement* tee_of(const std::string& track_id) const;

  std::string room_id_;
  ListenerList<media::RoomMediaListener*>* listeners_;
  GstElement* pipeline_;
  std::map<std::string, Track> tracks_;
  int pads_out_ = 0;
};

class FakeMediaProvider : public media::RoomMediaProvider {
 public:
  FakeRoomMedia& open(const std::string& room_id);
  // Tells listeners room_media_closing, then drops the room's pipeline.
  void close(const std::string& room_id);
  media::RoomMedia* room_media(const std::string& room_id) override;
  ListenerToken add_listener(media::RoomMediaListener& l) override { return listeners_.add(&l); }

 private:
  ListenerList<media::RoomMediaListener*> listeners_;
  std::map<std::string, std::unique_ptr<FakeRoomMedia>> rooms_;
};

}  // namespace convene::testing
