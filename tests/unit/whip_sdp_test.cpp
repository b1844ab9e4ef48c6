// What a WHIP offer sends and the non-trickle answer (src/ingest/whip_sdp):
// tables of offers in the shapes OBS and webrtcbin make.
#include <gtest/gtest.h>

#include "ingest/whip_sdp.h"

using convene::ingest::answer_with_candidates;
using convene::ingest::OfferError;
using convene::ingest::read_whip_offer;

namespace {

const std::string kHead = "v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n";
const std::string kAudio =
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=sendonly\r\na=rtpmap:111 opus/48000/2\r\na=mid:0\r\n";
std::string video(const std::string& codec, const std::string& port = "9", const std::string& extra = "") {
  return "m=video " + port + " UDP/TLS/RTP/SAVPF 96 97\r\nc=IN IP4 0.0.0.0\r\na=sendonly\r\na=rtpmap:96 " + codec +
         "/90000\r\na=rtpmap:97 rtx/90000\r\na=mid:1\r\n" + extra;
}

// The code read_whip_offer refuses with ("" when it takes the offer).
std::string refusal(const std::string& sdp, const std::string& codec = "VP8") {
  try {
    read_whip_offer(sdp, codec);
    return "";
  } catch (const OfferError& e) {
    return e.code;
  }
}

}  // namespace

TEST(WhipSdp, OffersTakenOrRefused) {
  struct Case {
    const char* what;
    std::string sdp;
    std::string codec;
    std::string refused;
  } cases[] = {
      {"audio and VP8", kHead + kAudio + video("VP8"), "VP8", ""},
      {"codec names are case-insensitive", kHead + kAudio + video("vp8"), "VP8", ""},
      {"bundle-only video (max-bundle, port 0)", kHead + kAudio + video("VP8", "0", "a=bundle-only\r\n"), "VP8", ""},
      {"H.264 (OBS) in a VP8 room", kHead + kAudio + video("H264"), "VP8", "unsupported_codec"},
      {"bundle-only H.264 in a VP8 room", kHead + kAudio + video("H264", "0", "a=bundle-only\r\n"), "VP8",
       "unsupported_codec"},
      {"H.264 in an H.264 room", kHead + kAudio + video("H264"), "H264", ""},
      {"audio without Opus", kHead + "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=rtpmap:0 PCMU/8000\r\na=mid:0\r\n", "VP8",
       "unsupported_codec"},
      {"a stopped video m-line is not sent", kHead + kAudio + video("H264", "0"), "VP8", ""},
      {"an inactive m-line is not sent", kHead + kAudio + video("H264", "9", "a=inactive\r\n"), "VP8", ""},
      {"no m-line", kHead, "VP8", "no_media"},
      {"only an application m-line", kHead + "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:0\r\n", "VP8",
       "no_media"},
      {"no mid", kHead + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n", "VP8", "invalid_sdp"},
      {"not an SDP", "hello", "VP8", "invalid_sdp"},
      {"empty", "", "VP8", "invalid_sdp"},
  };
  for (const Case& c : cases) EXPECT_EQ(refusal(c.sdp, c.codec), c.refused) << c.what;
}

TEST(WhipSdp, SourcesByMid) {
  auto offer = read_whip_offer(kHead + kAudio + video("VP8"), "VP8");
  ASSERT_EQ(offer.sources.size(), 2u);
  EXPECT_EQ(offer.sources["0"], "microphone");
  EXPECT_EQ(offer.sources["1"], "camera");
  EXPECT_EQ(read_whip_offer(kHead + kAudio, "VP8").sources.size(), 1u) << "audio alone is fine";
  // A max-bundle offer (OBS, webrtcbin) gives its second m-line port 0 and a=bundle-only: it is sent.
  EXPECT_EQ(read_whip_offer(kHead + kAudio + video("VP8", "0", "a=bundle-only\r\n"), "VP8").sources["1"], "camera");
}

TEST(WhipSdp, AnswerCarriesEveryCandidate) {
  std::string answer = kHead + kAudio + video("VP8");
  std::string out = answer_with_candidates(answer, {{0, "candidate:1 1 UDP 2015363327 127.0.0.1 40000 typ host"},
                                                   {0, "candidate:2 1 TCP 1015021823 127.0.0.1 9 typ host tcptype active"},
                                                   {7, "candidate:3 1 UDP 1 127.0.0.1 1 typ host"}});
  EXPECT_NE(out.find("a=candidate:1 1 UDP 2015363327 127.0.0.1 40000 typ host\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("a=candidate:2 1 TCP"), std::string::npos) << out;
  EXPECT_EQ(out.find("a=candidate:3"), std::string::npos) << "a candidate for an m-line the answer lacks is dropped";
  // Both m-lines end their candidates; the first m-line holds the candidates.
  size_t first = out.find("a=end-of-candidates\r\n");
  ASSERT_NE(first, std::string::npos) << out;
  EXPECT_NE(out.find("a=end-of-candidates\r\n", first + 1), std::string::npos) << out;
  EXPECT_LT(out.find("a=candidate:1"), out.find("m=video"));
  EXPECT_THROW(answer_with_candidates("garbage", {}), OfferError);
}
