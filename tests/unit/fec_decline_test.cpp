// fec_decline: a publisher's offer of RED, ULPFEC and FlexFEC, declined
// before webrtcbin answers it (read back through GStreamer's SDP parser).
#include <gst/sdp/sdp.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "media/fec_decline.h"
#include "media/sdp_streams.h"

namespace convene::media {
namespace {

std::string fixture(const char* name) {
  const char* root = std::getenv("CONVENE_SOURCE_DIR");
  std::ifstream in(std::string(root ? root : ".") + "/tests/fuzz/sdp_webrtcbin/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> formats(const std::string& sdp, guint m) {
  std::vector<std::string> out;
  SdpMessagePtr msg = parse_sdp(sdp);
  if (!msg || m >= gst_sdp_message_medias_len(msg.get())) return out;
  const GstSDPMedia* media = gst_sdp_message_get_media(msg.get(), m);
  for (guint i = 0; i < gst_sdp_media_formats_len(media); ++i) out.push_back(gst_sdp_media_get_format(media, i));
  return out;
}

// Each a=<key> value of m-line `m`.
std::vector<std::string> values(const std::string& sdp, guint m, const char* key) {
  std::vector<std::string> out;
  SdpMessagePtr msg = parse_sdp(sdp);
  if (!msg || m >= gst_sdp_message_medias_len(msg.get())) return out;
  const GstSDPMedia* media = gst_sdp_message_get_media(msg.get(), m);
  for (guint j = 0; const char* v = gst_sdp_media_get_attribute_val_n(media, key, j); ++j) out.push_back(v);
  return out;
}

bool has_prefix(const std::vector<std::string>& lines, const std::string& prefix) {
  for (const auto& line : lines)
    if (line.rfind(prefix, 0) == 0) return true;
  return false;
}

using Formats = std::vector<std::string>;

TEST(FecDecline, ChromiumsOfferLosesRedUlpfecAndRedsRetransmissions) {
  const std::string offer = fixture("chromium-publish-offer.sdp");
  ASSERT_EQ(formats(offer, 1).size(), 15u) << "the fixture (CONVENE_SOURCE_DIR)";
  const std::string declined = decline_fec(offer);
  EXPECT_EQ(formats(declined, 0), (Formats{"111", "9", "0", "8", "13", "110", "126"})) << "audio RED (63) goes";
  EXPECT_EQ(formats(declined, 1),
            (Formats{"96", "97", "102", "103", "127", "121", "45", "46", "98", "99", "35", "36"}))
      << "red 116, its rtx 117 and ulpfec 118 go; every codec and its rtx stays";
  for (const char* pt : {"116 ", "117 ", "118 "}) {
    EXPECT_FALSE(has_prefix(values(declined, 1, "rtpmap"), pt)) << pt;
    EXPECT_FALSE(has_prefix(values(declined, 1, "fmtp"), pt)) << pt;
  }
  EXPECT_FALSE(has_prefix(values(declined, 0, "rtpmap"), "63 "));
  EXPECT_FALSE(has_prefix(values(declined, 0, "fmtp"), "63 "));
  EXPECT_TRUE(has_prefix(values(declined, 1, "fmtp"), "97 apt=96"));
  EXPECT_EQ(values(declined, 1, "rtcp-fb"), values(offer, 1, "rtcp-fb")) << "VP8's and H.264's feedback stays";
  EXPECT_EQ(values(declined, 1, "ssrc"), values(offer, 1, "ssrc"));
  EXPECT_EQ(values(declined, 1, "ssrc-group"), (std::vector<std::string>{"FID 2001 2002"}));
  EXPECT_EQ(values(declined, 1, "mid"), (std::vector<std::string>{"1"}));
  EXPECT_EQ(decline_fec(declined), declined) << "nothing more to decline";
}

TEST(FecDecline, FlexFecGoesWithItsProtectionSsrc) {
  const std::string offer =
      "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 96 97 49\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendonly\r\n"
      "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\na=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n"
      "a=rtpmap:49 flexfec-03/90000\r\na=rtcp-fb:49 transport-cc\r\na=fmtp:49 repair-window=10000000\r\n"
      "a=ssrc-group:FID 3001 3002\r\na=ssrc-group:FEC-FR 3001 3003\r\n"
      "a=ssrc:3001 cname:c\r\na=ssrc:3002 cname:c\r\na=ssrc:3003 cname:c\r\n";
  const std::string declined = decline_fec(offer);
  EXPECT_EQ(formats(declined, 0), (Formats{"96", "97"}));
  EXPECT_EQ(values(declined, 0, "rtcp-fb"), (std::vector<std::string>{"96 nack"}));
  EXPECT_EQ(values(declined, 0, "ssrc-group"), (std::vector<std::string>{"FID 3001 3002"}));
  EXPECT_EQ(values(declined, 0, "ssrc"), (std::vector<std::string>{"3001 cname:c", "3002 cname:c"}));
  EXPECT_EQ(sdp_streams(declined).size(), 2u) << "the FEC SSRC is no stream of the publisher's";
}

TEST(FecDecline, WhatOffersNoFecComesBackAsItWas) {
  const std::string firefox = fixture("firefox-offer.sdp");
  ASSERT_FALSE(firefox.empty());
  EXPECT_EQ(decline_fec(firefox), firefox);
  EXPECT_EQ(decline_fec(""), "");
  EXPECT_EQ(decline_fec("not an SDP at all"), "not an SDP at all");
  // An m-line of nothing but RED would offer nothing: left to webrtcbin to refuse.
  const std::string only_red =
      "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 116\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=rtpmap:116 red/90000\r\n";
  EXPECT_EQ(decline_fec(only_red), only_red);
}

}  // namespace
}  // namespace convene::media
