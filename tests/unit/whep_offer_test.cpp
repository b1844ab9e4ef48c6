// What a WHEP viewer's offer asks to receive (src/playback/whep_offer): a
// table of offers in the shapes Chromium and webrtcbin make.
#include <gtest/gtest.h>

#include "playback/whep_offer.h"

using convene::playback::OfferError;
using convene::playback::read_whep_offer;
using convene::playback::WantedLine;

namespace {

const std::string kHead = "v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n";
std::string audio(const std::string& direction = "recvonly", const std::string& port = "9") {
  return "m=audio " + port + " UDP/TLS/RTP/SAVPF 111 0\r\nc=IN IP4 0.0.0.0\r\na=" + direction +
         "\r\na=rtpmap:111 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\na=mid:0\r\n";
}
// Chromium's order: VP8 96, rtx 97, H264 102.
std::string video(const std::string& direction = "recvonly", bool vp8 = true) {
  return "m=video 9 UDP/TLS/RTP/SAVPF " + std::string(vp8 ? "96 97 " : "") + "102\r\nc=IN IP4 0.0.0.0\r\na=" +
         direction + "\r\n" + (vp8 ? "a=rtpmap:96 VP8/90000\r\na=rtpmap:97 rtx/90000\r\n" : "") +
         "a=rtpmap:102 H264/90000\r\na=mid:1\r\n";
}

std::string refusal(const std::string& sdp, const std::string& codec = "VP8") {
  try {
    read_whep_offer(sdp, codec);
    return "";
  } catch (const OfferError& e) {
    return e.code;
  }
}

}  // namespace

TEST(WhepOffer, OffersTakenOrRefused) {
  struct Case {
    const char* what;
    std::string sdp;
    std::string codec;
    std::string refused;
  } cases[] = {
      {"audio and VP8 video, recvonly", kHead + audio() + video(), "VP8", ""},
      {"sendrecv is taken too", kHead + audio("sendrecv") + video("sendrecv"), "VP8", ""},
      {"video only", kHead + video(), "VP8", ""},
      {"audio only", kHead + audio(), "VP8", ""},
      {"H.264 server", kHead + audio() + video(), "H264", ""},
      {"not an SDP", "hello", "VP8", "invalid_sdp"},
      {"empty", "", "VP8", "invalid_sdp"},
      {"no m-lines", kHead, "VP8", "no_media"},
      {"only sendonly lines", kHead + audio("sendonly") + video("sendonly"), "VP8", "no_media"},
      {"rejected audio, nothing else", kHead + audio("recvonly", "0"), "VP8", "no_media"},
      {"video without the server's codec", kHead + video("recvonly", false), "VP8", "unsupported_codec"},
      {"audio fine, video without VP8", kHead + audio() + video("recvonly", false), "VP8", "unsupported_codec"},
  };
  for (const auto& c : cases) EXPECT_EQ(refusal(c.sdp, c.codec), c.refused) << c.what;
}

TEST(WhepOffer, EachLineGetsTheViewersPayloadType) {
  auto lines = read_whep_offer(kHead + audio() + video(), "VP8");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].mline, 0u);
  EXPECT_EQ(lines[0].kind, "audio");
  EXPECT_EQ(lines[0].encoding, "OPUS");
  EXPECT_EQ(lines[0].payload_type, 111);
  EXPECT_EQ(lines[1].mline, 1u);
  EXPECT_EQ(lines[1].kind, "video");
  EXPECT_EQ(lines[1].encoding, "VP8");
  EXPECT_EQ(lines[1].payload_type, 96);
  lines = read_whep_offer(kHead + audio() + video(), "H264");
  EXPECT_EQ(lines[1].encoding, "H264");
  EXPECT_EQ(lines[1].payload_type, 102);
}
