// RoomComposite + EncoderOutput + the shipped pipelines/, fed by a fake room
// (solid-colour VP8 cameras and Opus tones ending in tees, like the SFU's
// tracks). Files are judged by ffprobe/ffmpeg: streams, duration, decoding to
// the end, and tiles counted by colour before and after a join and a leave.
#include <glib/gstdio.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "convene-build-config.h"
#include "fake_room_media.h"
#include "media_files.h"
#include "recording/encoder_output.h"
#include "recording/pipeline_library.h"
#include "recording/room_composite.h"
#include "scratch_dir.h"

namespace {

using namespace convene;
using convene::testing::colours_present;
using convene::testing::participant_palette;

// Runs the main loop until pred() or timeout_ms; returns pred().
template <class P>
bool run_until(P pred, int timeout_ms) {
  gint64 end = g_get_monotonic_time() + timeout_ms * 1000LL;
  while (!pred() && g_get_monotonic_time() < end)
    if (!g_main_context_iteration(nullptr, FALSE)) g_usleep(5000);
  return pred();
}

void run_for(int ms) {
  run_until([] { return false; }, ms);
}

std::string temp_dir() { return convene::testing::scratch_dir("convene-rec"); }

recording::PipelineLibrary& library() {
  static recording::PipelineLibrary lib(CONVENE_DEFAULT_PIPELINES_DIR,
                                        {"recording-webm", "recording-mp4", "rtmp", "hls"});
  return lib;
}

TEST(PipelineLibrary, RefusesABadDescriptionWithTheParsersMessage) {
  std::string dir = temp_dir();
  std::string path = dir + "/recording-webm.pipeline";
  g_file_set_contents(path.c_str(), "# a comment\nqueue name=video ! nosuchelement ! fakesink\n", -1, nullptr);
  try {
    recording::PipelineLibrary lib(dir, {"recording-webm"});
    FAIL() << "accepted a bad description";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("nosuchelement"), std::string::npos) << e.what();
  }
  g_file_set_contents(path.c_str(), "queue name=video ! fakesink\n", -1, nullptr);
  try {
    recording::PipelineLibrary lib(dir, {"recording-webm"});
    FAIL() << "accepted a description with no audio entry";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("'audio'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(recording::PipelineLibrary(dir, {"rtmp"}), std::runtime_error);  // missing file
  g_remove(path.c_str());
  g_rmdir(dir.c_str());
}

TEST(PipelineLibrary, ShippedPipelinesParse) {
  EXPECT_TRUE(library().has("recording-webm"));
  EXPECT_TRUE(library().has("recording-mp4"));
  EXPECT_TRUE(library().has("rtmp"));
  EXPECT_TRUE(library().has("hls"));
  EXPECT_THROW(library().expand("rtmp", {{"url", "rtmp://x/\"; rm"}}), std::invalid_argument);
}

struct Recorded {
  std::string path;
  double wall_s = 0;
  double join_s = 0, leave_s = 0;  // offsets into the file
};

// Two participants, a third joins, one leaves; records with `pipeline`.
Recorded record_meeting(const std::string& pipeline, const std::string& ext) {
  Recorded r;
  std::string dir = temp_dir();
  r.path = dir + "/meeting." + ext;
  convene::testing::FakeMediaProvider provider;
  auto& room = provider.open("room-1");
  room.add_participant("p-red", "Red", 0);
  room.add_participant("p-green", "Green", 1);
  recording::RoomComposite composite(room, {640, 360, 30, "grid"});
  bool finished = false;
  std::string failure;
  recording::EncoderOutput out("rec", library().expand(pipeline, {{"location", r.path}}),
                               {[&] { finished = true; }, [&](const std::string& e) { failure = e; }});
  gint64 start = g_get_monotonic_time();
  composite.attach(out);
  run_for(3000);
  room.add_participant("p-blue", "Blue", 2);
  for (auto& t : room.tracks())
    if (t.peer_id == "p-blue") composite.track_added(t);
  r.join_s = (g_get_monotonic_time() - start) / 1e6;
  run_for(3000);
  for (auto& t : room.tracks())
    if (t.peer_id == "p-green") composite.track_removed(t);
  room.remove_participant("p-green");
  r.leave_s = (g_get_monotonic_time() - start) / 1e6;
  run_for(3000);
  r.wall_s = (g_get_monotonic_time() - start) / 1e6;  // what was recorded; finishing may take longer
  out.finish();
  EXPECT_TRUE(run_until([&] { return finished || !failure.empty(); }, 15000));
  EXPECT_TRUE(failure.empty()) << failure;
  composite.detach(out);
  EXPECT_EQ(composite.track_count(), 4u);  // red, blue: camera and microphone each
  return r;
}

void check_recording(const Recorded& r, const char* video_codec, const char* audio_codec) {
  auto probe = convene::testing::ffprobe(r.path);
  EXPECT_EQ(probe.video_streams, 1) << probe.error;
  EXPECT_EQ(probe.audio_streams, 1) << probe.error;
  EXPECT_EQ(probe.video_codec, video_codec);
  EXPECT_EQ(probe.audio_codec, audio_codec);
  // The output counts from the composite's first buffer, however late it came
  // (AAC's encoder delay may put the start a little before 0).
  EXPECT_NEAR(probe.start_s, 0, 0.1);
  std::string errors;
  EXPECT_TRUE(convene::testing::decodes_to_end(r.path, &errors)) << errors;
  double decoded = convene::testing::decoded_video_duration(r.path);
  EXPECT_NEAR(decoded, r.wall_s, r.wall_s * 0.1) << "decoded " << decoded << " s of " << r.wall_s << " s";
  // Before the join, between join and leave, after the leave.
  using convene::testing::colours_at;
  auto before = colours_at(r.path, {r.join_s / 2 - 0.5, r.join_s / 2, r.join_s / 2 + 0.5}, participant_palette());
  double mid = (r.join_s + r.leave_s) / 2;
  auto during = colours_at(r.path, {mid - 0.5, mid, mid + 0.5}, participant_palette());
  auto after = colours_at(r.path, {r.leave_s + 1.5, r.leave_s + 2.0, r.leave_s + 2.5}, participant_palette());
  EXPECT_EQ(before, (std::set<std::string>{"red", "green"}));
  EXPECT_EQ(during, (std::set<std::string>{"red", "green", "blue"}));
  EXPECT_EQ(after, (std::set<std::string>{"red", "blue"}));
}

TEST(RoomComposite, WebmRecordingOfAJoinAndALeave) {
  auto r = record_meeting("recording-webm", "webm");
  check_recording(r, "vp8", "opus");
}

TEST(RoomComposite, FragmentedMp4Recording) {
  auto r = record_meeting("recording-mp4", "mp4");
  check_recording(r, "h264", "aac");
}

}  // namespace
