// The parts of WebRtcEndpoint that need no network: SDP checks and the
// announced address of host candidates (servers behind 1:1 NAT).
#include <gtest/gtest.h>

#include <string>

#include <stdexcept>

#include "media/webrtc_endpoint.h"

namespace convene::media {
namespace {

TEST(AnnounceCandidate, ReplacesTheAddressOfHostCandidatesOnly) {
  struct Case {
    const char* candidate;
    const char* announced;
    const char* expected;
  } cases[] = {
      {"candidate:1 1 UDP 2015363327 10.0.0.5 40002 typ host", "203.0.113.10",
       "candidate:1 1 UDP 2015363327 203.0.113.10 40002 typ host"},
      {"candidate:3 1 TCP 1015021823 10.0.0.5 9 typ host tcptype active", "203.0.113.10",
       "candidate:3 1 TCP 1015021823 203.0.113.10 9 typ host tcptype active"},
      // Reflexive and relayed candidates already carry a public address.
      {"candidate:2 1 UDP 1679819007 198.51.100.7 40002 typ srflx raddr 10.0.0.5 rport 40002", "203.0.113.10",
       "candidate:2 1 UDP 1679819007 198.51.100.7 40002 typ srflx raddr 10.0.0.5 rport 40002"},
      // Nothing configured: as gathered.
      {"candidate:1 1 UDP 2015363327 10.0.0.5 40002 typ host", "", "candidate:1 1 UDP 2015363327 10.0.0.5 40002 typ host"},
      // Not a candidate line: left alone.
      {"typ host", "203.0.113.10", "typ host"},
  };
  for (const auto& c : cases) EXPECT_EQ(announce_candidate(c.candidate, c.announced), c.expected) << c.candidate;
}

TEST(CheckSdp, RefusesWhatIsNotAnSdpWithMedia) {
  EXPECT_THROW(check_sdp(""), std::invalid_argument);
  EXPECT_THROW(check_sdp("this is not SDP"), std::invalid_argument);
  EXPECT_THROW(check_sdp("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"), std::invalid_argument) << "no media";
  EXPECT_NO_THROW(check_sdp("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
                            "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=rtpmap:96 VP8/90000\r\n"));
}

// webrtcbin 1.22 aborts the process on these (a g_assert); found by the sdp_webrtcbin fuzzer.
TEST(CheckSdp, RefusesTwoSessionLevelIceCredentials) {
  const std::string media = "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=rtpmap:96 VP8/90000\r\n";
  const std::string head = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n";
  EXPECT_THROW(check_sdp(head + "a=ice-ufrag:a\r\na=ice-ufrag:b\r\na=ice-pwd:p\r\n" + media), std::invalid_argument);
  EXPECT_THROW(check_sdp(head + "a=ice-ufrag:a\r\na=ice-pwd:p\r\na=ice-pwd:q\r\n" + media), std::invalid_argument);
  EXPECT_NO_THROW(check_sdp(head + "a=ice-ufrag:a\r\na=ice-pwd:p\r\n" + media));
}

}  // namespace
}  // namespace convene::media
