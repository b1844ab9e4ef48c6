#include "ffmpeg_push.h"

#include <signal.h>
#include <sys/wait.h>

#include <stdexcept>
#include <vector>

namespace convene::testing {

FfmpegPush::FfmpegPush(const std::string& url, int seconds, const std::string& size) {
  std::vector<std::string> args = {"ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re",
                                   "-f", "lavfi", "-i", "testsrc=size=" + size + ":rate=30",
                                   "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                                   "-t", std::to_string(seconds),
                                   "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
                                   "-pix_fmt", "yuv420p", "-g", "30",
                                   "-c:a", "aac", "-b:a", "96k", "-f", "mpegts", url};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  g_autoptr(GError) error = nullptr;
  if (!g_spawn_async(nullptr, argv.data(), nullptr,
                     static_cast<GSpawnFlags>(G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD), nullptr, nullptr,
                     &pid_, &error))
    throw std::runtime_error(std::string("ffmpeg: ") + error->message);
}

FfmpegPush::~FfmpegPush() {
  if (running()) {
    kill(pid_, SIGINT);
    for (int i = 0; i < 50 && running(); ++i) g_usleep(100000);
    if (running()) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status_, 0);
    }
  }
  g_spawn_close_pid(pid_);
}

bool FfmpegPush::running() {
  if (exited_) return false;
  if (waitpid(pid_, &status_, WNOHANG) == pid_) exited_ = true;
  return !exited_;
}

void FfmpegPush::stop() {
  if (running()) kill(pid_, SIGINT);
}

int FfmpegPush::exit_code() {
  if (running() || !WIFEXITED(status_)) return -1;
  return WEXITSTATUS(status_);
}

}  // namespace convene::testing
