// `ffmpeg -re` pushing a test picture (testsrc) and a 440 Hz tone as H.264 +
// AAC in MPEG-TS to a URL (srt://... for SRT ingest), as an encoder would.
// Started by the constructor; stopped with SIGINT (ffmpeg then closes its
// connection properly) when it goes out of scope.
//
// Threads: one (the test's).
#pragma once

#include <glib.h>

#include <string>

namespace convene::testing {

class FfmpegPush {
 public:
  // At most `seconds` of media, `size` as WIDTHxHEIGHT at 30 fps. Throws when ffmpeg cannot start.
  FfmpegPush(const std::string& url, int seconds, const std::string& size = "640x360");
  ~FfmpegPush();
  FfmpegPush(const FfmpegPush&) = delete;
  FfmpegPush& operator=(const FfmpegPush&) = delete;

  bool running();
  // Stops it as a user would (Ctrl-C).
  void stop();
  // Its exit code once it ended (-1 while running, or when a signal ended it).
  int exit_code();
  int pid() const { return pid_; }

 private:
  GPid pid_ = 0;
  int status_ = 0;
  bool exited_ = false;
};

}  // namespace convene::testing
