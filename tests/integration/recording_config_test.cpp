// The real binary refuses to start with a pipeline description that does not
// parse, and says why (the parser's message).
#include <glib/gstdio.h>
#include <gtest/gtest.h>

#include "convene-build-config.h"
#include "media_files.h"
#include "scratch_dir.h"
#include "server_process.h"

using namespace convene::testing;

namespace {

TEST(RecordingConfig, BadPipelineDescriptionStopsStartUp) {
  std::string dir_path = scratch_dir("convene-pipelines");
  const char* dir = dir_path.c_str();
  for (const char* name : {"recording-mp4", "rtmp", "hls"}) {
    g_autofree char* src = g_strdup_printf("%s/%s.pipeline", CONVENE_DEFAULT_PIPELINES_DIR, name);
    g_autofree char* text = nullptr;
    ASSERT_TRUE(g_file_get_contents(src, &text, nullptr, nullptr));
    g_autofree char* dst = g_strdup_printf("%s/%s.pipeline", dir, name);
    g_file_set_contents(dst, text, -1, nullptr);
  }
  g_autofree char* bad = g_strdup_printf("%s/recording-webm.pipeline", dir);
  g_file_set_contents(bad, "queue name=video ! vp8encc ! fakesink queue name=audio ! fakesink\n", -1, nullptr);

  ServerOptions o;
  o.env["CONVENE_RECORDING_PIPELINES_DIR"] = dir;
  try {
    ServerProcess server(o);
    FAIL() << "the server started with a bad pipeline";
  } catch (const std::runtime_error& e) {
    std::string log = e.what();
    EXPECT_NE(log.find("recording-webm.pipeline"), std::string::npos) << log;
    EXPECT_NE(log.find("vp8encc"), std::string::npos) << log;
  }

  // The same directory with a good description starts.
  g_autofree char* good_src = g_strdup_printf("%s/recording-webm.pipeline", CONVENE_DEFAULT_PIPELINES_DIR);
  g_autofree char* good = nullptr;
  ASSERT_TRUE(g_file_get_contents(good_src, &good, nullptr, nullptr));
  g_file_set_contents(bad, good, -1, nullptr);
  ServerProcess server(o);
  EXPECT_TRUE(server.running());
}

}  // namespace
