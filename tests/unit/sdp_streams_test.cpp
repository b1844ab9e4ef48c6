// sdp_streams: which m-line each SSRC of a browser's offer belongs to (the
// publisher's fallback where webrtcbin 1.22 maps a stream to m-line 0).
#include <gtest/gtest.h>

#include "media/sdp_streams.h"

namespace convene::media {
namespace {

// A Chromium publish offer after a screen share was added: microphone,
// camera and screen, the videos with retransmission SSRCs (FID groups).
const char* kOffer =
    "v=0\r\no=- 4611 3 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1 2\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendonly\r\na=rtpmap:111 opus/48000/2\r\n"
    "a=ssrc:1001 cname:abc\r\na=ssrc:1001 msid:s a\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=sendonly\r\na=rtpmap:96 VP8/90000\r\n"
    "a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\na=ssrc-group:FID 2001 2002\r\na=ssrc:2001 cname:abc\r\n"
    "a=ssrc:2002 cname:abc\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\nc=IN IP4 0.0.0.0\r\na=mid:2\r\na=sendonly\r\na=rtpmap:96 VP8/90000\r\n"
    "a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\na=ssrc-group:FID 3001 3002\r\na=ssrc:3001 cname:abc\r\n"
    "a=ssrc:3001 msid:t v\r\na=ssrc:3002 cname:abc\r\n";

TEST(SdpStreams, MapsEverySsrcToItsMlinesMidAndKind) {
  auto streams = sdp_streams(kOffer);
  ASSERT_EQ(streams.size(), 5u);
  EXPECT_EQ(streams[1001].mid, "0");
  EXPECT_EQ(streams[1001].kind, "audio");
  EXPECT_EQ(streams[2001].mid, "1");
  EXPECT_EQ(streams[2002].mid, "1") << "the retransmission SSRC belongs to its m-line too";
  EXPECT_EQ(streams[3001].mid, "2");
  EXPECT_EQ(streams[3001].kind, "video");
}

TEST(SdpStreams, NothingFromWhatNamesNoSsrcOrDoesNotParse) {
  EXPECT_TRUE(sdp_streams("").empty());
  EXPECT_TRUE(sdp_streams("not an SDP at all").empty());
  EXPECT_TRUE(sdp_streams("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
                          "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=rtpmap:96 VP8/90000\r\n"
                          "a=ssrc:notanumber cname:x\r\na=ssrc:0 cname:x\r\n")
                  .empty());
}

TEST(SdpStreams, FindsTheAudioLevelExtensionOfEachAudioMline) {
  // Chromium's microphone m-line, then a camera that also lists it (ignored: video), then audio without it.
  const char* offer =
      "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1 2\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=sendonly\r\n"
      "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
      "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
      "a=rtpmap:111 opus/48000/2\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
      "a=rtpmap:96 VP8/90000\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:2\r\na=extmap:4/sendonly urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
      "a=rtpmap:111 opus/48000/2\r\n";
  auto ext = sdp_audio_level_extensions(offer);
  ASSERT_EQ(ext.size(), 2u);
  EXPECT_EQ(ext[0].mid, "0");
  EXPECT_EQ(ext[0].id, 1);
  EXPECT_EQ(ext.count(1), 0u) << "a video m-line carries no audio level";
  EXPECT_EQ(ext[2].mid, "2");
  EXPECT_EQ(ext[2].id, 4) << "an extmap with a direction";
}

TEST(SdpStreams, NoAudioLevelExtensionWhereTheOfferHasNone) {
  EXPECT_TRUE(sdp_audio_level_extensions(kOffer).empty());
  EXPECT_TRUE(sdp_audio_level_extensions("garbage").empty());
}

TEST(SdpStreams, AnAnswerTakesAnExtensionOnlyInAnExtmapOfAnMlineItAccepts) {
  const char* twcc = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
  const std::string head = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";
  EXPECT_TRUE(sdp_takes_extension(head + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=extmap:3 " + twcc +
                                      "\r\na=rtpmap:96 VP8/90000\r\n",
                                  twcc));
  EXPECT_FALSE(sdp_takes_extension(head + "m=video 0 UDP/TLS/RTP/SAVPF 96\r\na=extmap:3 " + twcc +
                                       "\r\na=rtpmap:96 VP8/90000\r\n",
                                   twcc))
      << "a rejected m-line takes nothing";
  EXPECT_FALSE(sdp_takes_extension(head + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=x-note:" + twcc +
                                       "\r\na=rtpmap:96 VP8/90000\r\n",
                                   twcc))
      << "the URI outside an a=extmap";
  EXPECT_FALSE(sdp_takes_extension(kOffer, twcc));
  EXPECT_FALSE(sdp_takes_extension("garbage", twcc));
}

TEST(SdpStreams, RetransmissionTypesAndSsrcsOfEveryMline) {
  RetransmissionMaps maps = sdp_retransmission_maps(kOffer);
  EXPECT_EQ(maps.payload_types, (std::map<unsigned, unsigned>{{96, 97}})) << "audio has none";
  EXPECT_EQ(maps.ssrcs, (std::map<uint32_t, uint32_t>{{2001, 2002}, {3001, 3002}}));
}

TEST(SdpStreams, NoRetransmissionMapsWhereNoneAreOffered) {
  EXPECT_TRUE(sdp_retransmission_maps("").payload_types.empty());
  RetransmissionMaps maps = sdp_retransmission_maps(
      "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 96 98\r\na=mid:0\r\na=rtpmap:96 VP8/90000\r\na=rtpmap:98 rtx/90000\r\n"
      "a=ssrc-group:SIM 1 2\r\na=ssrc-group:FID 5\r\na=ssrc:1 cname:x\r\n");
  EXPECT_TRUE(maps.payload_types.empty()) << "an rtx type without apt pairs with nothing";
  EXPECT_TRUE(maps.ssrcs.empty()) << "SIM is not FID, and a FID group needs two SSRCs";
}

TEST(SdpStreams, PayloadTypeOfAnEncodingOnTheMline) {
  SdpMessagePtr msg = parse_sdp(
      "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 0 111\r\na=mid:0\r\na=rtpmap:111 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 102 96 97\r\na=mid:1\r\na=rtpmap:102 H264/90000\r\n"
      "a=rtpmap:96 VP8/90000\r\na=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\na=rtpmap:98 VP9/90000\r\n");
  ASSERT_TRUE(msg);
  const GstSDPMedia* audio = gst_sdp_message_get_media(msg.get(), 0);
  const GstSDPMedia* video = gst_sdp_message_get_media(msg.get(), 1);
  EXPECT_EQ(sdp_payload_type_of(audio, "OPUS"), 111) << "names compare without case";
  EXPECT_EQ(sdp_payload_type_of(audio, "PCMU"), 0);
  EXPECT_EQ(sdp_payload_type_of(video, "vp8"), 96);
  EXPECT_EQ(sdp_payload_type_of(video, "H264"), 102);
  EXPECT_EQ(sdp_payload_type_of(video, "VP9"), -1) << "an rtpmap for a type the m-line does not list";
  EXPECT_EQ(sdp_payload_type_of(audio, "VP8"), -1);
}

}  // namespace
}  // namespace convene::media
