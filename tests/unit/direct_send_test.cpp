// Sending a subscribe connection's RTP directly (direct_send.h): srtpenc
// under GstHarness, keyed as dtlssrtpenc keys it, beside a real libnice
// agent connected over 127.0.0.1 to a second one. Once keyed, what enters
// srtpenc reaches the other agent as SRTP that libsrtp decrypts with the key
// back to the packet sent, and nothing leaves srtpenc; before the key, or
// with a profile not handled, srtpenc encrypts as before.
#include <gst/check/gstharness.h>
#include <gst/rtp/rtp.h>
#include <gtest/gtest.h>
#include <srtp2/srtp.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "media/direct_send.h"
#include "media/srtp_outbound.h"
#include "nice_agent_on_thread.h"

namespace {

using convene::media::DirectSender;
using convene::media::packets_sent_directly;
using convene::media::send_rtp_directly;
using convene::media::SrtpOutbound;
using convene::test::AgentOnThread;
using convene::test::wait_until;

// A master key and salt of `size` bytes.
std::vector<guint8> key_of(size_t size) {
  std::vector<guint8> key(size);
  for (size_t i = 0; i < size; ++i) key[i] = static_cast<guint8>(i * 7 + 3);
  return key;
}

// An RTP packet: VP8's payload type, `seq`, a payload naming it.
std::string rtp_packet(guint16 seq, guint32 ssrc = 0x11223344) {
  const std::string payload = "payload " + std::to_string(seq) + std::string(200, 'v');
  std::string packet(12, '\0');
  packet[0] = static_cast<char>(0x80);
  packet[1] = 96;
  packet[2] = static_cast<char>(seq >> 8);
  packet[3] = static_cast<char>(seq & 0xff);
  const guint32 ts = 90000u + seq * 3000u;
  for (int i = 0; i < 4; ++i) packet[4 + i] = static_cast<char>(ts >> (24 - 8 * i));
  for (int i = 0; i < 4; ++i) packet[8 + i] = static_cast<char>(ssrc >> (24 - 8 * i));
  return packet + payload;
}

// What a receiver with `key` makes of `srtp` under libsrtp's profile `set`
// ("" when it refuses it).
std::string unprotect(const std::string& srtp, const std::vector<guint8>& key, void (*set)(srtp_crypto_policy_t*)) {
  srtp_policy_t policy;
  std::memset(&policy, 0, sizeof policy);
  set(&policy.rtp);
  set(&policy.rtcp);
  policy.ssrc.type = ssrc_any_inbound;
  policy.key = const_cast<guint8*>(key.data());
  policy.window_size = 128;
  srtp_t session = nullptr;
  if (srtp_create(&session, &policy) != srtp_err_status_ok) return "";
  std::string packet = srtp;
  int size = static_cast<int>(packet.size());
  const bool ok = srtp_unprotect(session, packet.data(), &size) == srtp_err_status_ok;
  srtp_dealloc(session);
  return ok ? packet.substr(0, static_cast<size_t>(size)) : "";
}

TEST(SrtpOutbound, ProtectedPacketsDecryptWithTheKeyUnderEachDtlsProfile) {
  struct Case {
    const char* cipher;
    const char* auth;
    size_t key_size;
    void (*set)(srtp_crypto_policy_t*);
  } cases[] = {
      {"aes-128-icm", "hmac-sha1-80", 30, srtp_crypto_policy_set_rtp_default},
      {"aes-128-icm", "hmac-sha1-32", 30, srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32},
      {"aes-256-icm", "hmac-sha1-80", 46, srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80},
      {"aes-128-gcm", "null", 28, srtp_crypto_policy_set_aes_gcm_128_16_auth},
      {"aes-256-gcm", "null", 44, srtp_crypto_policy_set_aes_gcm_256_16_auth},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.cipher) + "/" + c.auth);
    const auto key = key_of(c.key_size);
    std::string why;
    auto session = SrtpOutbound::make(c.cipher, c.auth, key.data(), key.size(), &why);
    ASSERT_TRUE(session) << why;
    for (guint16 seq = 100; seq < 103; ++seq) {
      const std::string plain = rtp_packet(seq);
      std::vector<guint8> buffer(plain.begin(), plain.end());
      buffer.resize(plain.size() + SrtpOutbound::kTrailerRoom);
      size_t size = plain.size();
      ASSERT_TRUE(session->protect(buffer.data(), &size));
      EXPECT_GT(size, plain.size()) << "an authentication tag is appended";
      const std::string srtp(reinterpret_cast<const char*>(buffer.data()), size);
      EXPECT_NE(srtp.substr(12), plain.substr(12)) << "the payload is encrypted";
      EXPECT_EQ(unprotect(srtp, key, c.set), plain);
    }
  }
}

TEST(SrtpOutbound, RefusesAProfileOrKeyItDoesNotTake) {
  const auto key = key_of(30);
  std::string why;
  EXPECT_FALSE(SrtpOutbound::make("aes-128-icm", "null", key.data(), key.size(), &why));
  EXPECT_NE(why.find("not one sent directly"), std::string::npos) << why;
  why.clear();
  EXPECT_FALSE(SrtpOutbound::make("aes-256-icm", "hmac-sha1-80", key.data(), key.size(), &why)) << "46 bytes needed";
  EXPECT_NE(why.find("46 expected"), std::string::npos) << why;
}

class DirectSendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    receiver_.keep_received();
    sender_.receive_nothing();
    ASSERT_TRUE(convene::test::connect_agents(sender_, receiver_)) << "ICE over 127.0.0.1";
    srtpenc_ = gst_element_factory_make("srtpenc", nullptr);
    ASSERT_NE(srtpenc_, nullptr) << "gstreamer1.0-plugins-bad";
    gst_object_ref_sink(srtpenc_);
    g_object_set(srtpenc_, "random-key", TRUE, nullptr);  // as dtlssrtpenc makes it
    ASSERT_TRUE(install());
    h_ = gst_harness_new_with_element(srtpenc_, "rtp_sink_0", "rtp_src_0");
    gst_harness_set_src_caps_str(h_, "application/x-rtp, media=video, clock-rate=90000, encoding-name=VP8, payload=96");
    input_ = gst_element_get_static_pad(srtpenc_, "rtp_sink_0");
  }
  // Where dtlssrtpenc's nicesink would send: the sending agent.
  convene::media::FindIceTarget sending_agent() {
    return [this](GstElement*, convene::media::IceTarget* target) {
      target->agent = convene::retain(sender_.agent());
      target->stream = sender_.stream();
      target->component = 1;
      return true;
    };
  }
  virtual bool install() { return send_rtp_directly(srtpenc_, sending_agent()); }

  void TearDown() override {
    if (h_) gst_harness_teardown(h_);
    g_clear_object(&input_);
    g_clear_object(&srtpenc_);
  }

  // As dtlssrtpenc does once DTLS has a key: cipher, auth, key, then
  // random-key off.
  void key_srtpenc(const char* auth = "hmac-sha1-80") {
    const auto key = key_of(30);
    g_autoptr(GstBuffer) buffer = gst_buffer_new_memdup(key.data(), key.size());
    gst_util_set_object_arg(G_OBJECT(srtpenc_), "rtp-cipher", "aes-128-icm");
    gst_util_set_object_arg(G_OBJECT(srtpenc_), "rtcp-cipher", "aes-128-icm");
    gst_util_set_object_arg(G_OBJECT(srtpenc_), "rtp-auth", auth);
    gst_util_set_object_arg(G_OBJECT(srtpenc_), "rtcp-auth", auth);
    g_object_set(srtpenc_, "key", buffer, "random-key", FALSE, nullptr);
  }

  void push(guint16 seq) {
    const std::string packet = rtp_packet(seq);
    ASSERT_EQ(gst_harness_push(h_, gst_buffer_new_memdup(packet.data(), packet.size())), GST_FLOW_OK);
  }

  guint64 out_of_srtpenc() { return gst_harness_buffers_received(h_); }

  AgentOnThread receiver_{true};
  AgentOnThread sender_{false};
  GstElement* srtpenc_ = nullptr;
  GstHarness* h_ = nullptr;
  GstPad* input_ = nullptr;
};

TEST_F(DirectSendTest, KeyedPacketsReachThePeerAsSrtpOfTheKeyAndNothingLeavesSrtpenc) {
  key_srtpenc();
  for (guint16 seq = 1000; seq < 1040; ++seq) push(seq);
  ASSERT_TRUE(wait_until([&] { return receiver_.received().size() >= 40; })) << receiver_.received().size();
  const auto received = receiver_.received();
  ASSERT_EQ(received.size(), 40u);
  for (guint16 i = 0; i < 40; ++i)
    EXPECT_EQ(unprotect(received[i], key_of(30), srtp_crypto_policy_set_rtp_default), rtp_packet(1000 + i))
        << "packet " << i;
  EXPECT_EQ(out_of_srtpenc(), 0u) << "srtpenc encrypted none of them";
  EXPECT_EQ(packets_sent_directly(input_), 40u);
}

// Once this session encrypts, srtpenc never does: its own session, with the
// same key and counters of its own, could repeat a keystream. A packet too
// large to send here is dropped, and the next one is sent as before.
TEST_F(DirectSendTest, OnceKeyedNoPacketGoesBackToSrtpencNotEvenAnOversizedOne) {
  key_srtpenc();
  push(1);
  std::string huge = rtp_packet(2) + std::string(5000, 'h');
  ASSERT_EQ(gst_harness_push(h_, gst_buffer_new_memdup(huge.data(), huge.size())), GST_FLOW_OK);
  push(3);
  ASSERT_TRUE(wait_until([&] { return receiver_.received().size() >= 2; }));
  const auto received = receiver_.received();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(unprotect(received[1], key_of(30), srtp_crypto_policy_set_rtp_default), rtp_packet(3));
  EXPECT_EQ(out_of_srtpenc(), 0u);
  EXPECT_EQ(packets_sent_directly(input_), 2u);
}

TEST_F(DirectSendTest, BeforeTheKeyPacketsTakeSrtpencsWay) {
  push(1);
  push(2);
  EXPECT_EQ(out_of_srtpenc(), 2u) << "srtpenc, under its random key until DTLS gives one";
  EXPECT_EQ(packets_sent_directly(input_), 0u);
  key_srtpenc();
  push(3);
  ASSERT_TRUE(wait_until([&] { return receiver_.received().size() == 1; }));
  EXPECT_EQ(unprotect(receiver_.received()[0], key_of(30), srtp_crypto_policy_set_rtp_default), rtp_packet(3));
  EXPECT_EQ(out_of_srtpenc(), 2u);
}

TEST_F(DirectSendTest, AProfileNotTakenLeavesSrtpencEncryptingForGood) {
  key_srtpenc("null");  // AES-CM without authentication: not a DTLS-SRTP profile
  for (guint16 seq = 1; seq <= 5; ++seq) push(seq);
  EXPECT_EQ(out_of_srtpenc(), 5u);
  EXPECT_EQ(packets_sent_directly(input_), 0u);
  g_usleep(200 * 1000);
  EXPECT_TRUE(receiver_.received().empty());
}

// A sender of forwarded packets (DirectSender::Takes::Forwarded) on the same srtpenc.
class ForwardedSendTest : public DirectSendTest {
 protected:
  bool install() override {
    direct_ = std::make_shared<DirectSender>(DirectSender::Takes::Forwarded, sending_agent());
    direct_->number_transport_cc(3, in_use_);
    return DirectSender::attach(direct_, srtpenc_);
  }
  // A forwarded packet as a publisher's connection carries it: with a header
  // extension of that connection (an audio level under id 1).
  static GstBuffer* forwarded(guint16 seq, guint32 ts) {
    std::string packet = rtp_packet(seq);
    packet[0] = static_cast<char>(0x90);  // X
    for (int i = 0; i < 4; ++i) packet[4 + i] = static_cast<char>(ts >> (24 - 8 * i));
    const std::string extension("\xBE\xDE\x00\x01\x10\x7f\x00\x00", 8);
    packet.insert(12, extension);
    return gst_buffer_new_memdup(packet.data(), packet.size());
  }
  // Sends `packet` as a forwarder's direct output would, with a rewrite that
  // keeps the packet's own fields (the forwarder's rewriting is
  // rtp_forward_test's).
  bool send(GstBuffer* packet) {
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    if (!gst_rtp_buffer_map(packet, GST_MAP_READ, &rtp)) return false;
    ConveneRtpRewrite same{};
    same.ssrc = gst_rtp_buffer_get_ssrc(&rtp);
    same.seq = gst_rtp_buffer_get_seq(&rtp);
    same.timestamp = gst_rtp_buffer_get_timestamp(&rtp);
    same.payload_type = -1;
    same.picture_id = -1;
    same.tl0picidx = -1;
    gst_rtp_buffer_unmap(&rtp);
    return direct_->send_forwarded(packet, same, 90000);
  }
  std::shared_ptr<DirectSender> direct_;
  std::shared_ptr<std::atomic<bool>> in_use_ = std::make_shared<std::atomic<bool>>(true);
};

TEST_F(ForwardedSendTest, PacketsGoOutWithOneTransportCcNumberInPlaceOfTheirExtensionsAndARecordOfEach) {
  g_autoptr(GstBuffer) early = forwarded(1, 9000);
  EXPECT_FALSE(send(early)) << "before DTLS's key: webrtcbin's way";
  key_srtpenc();
  for (guint16 seq = 2; seq <= 4; ++seq) {
    g_autoptr(GstBuffer) packet = forwarded(seq, 9000 * seq);
    EXPECT_TRUE(send(packet));
  }
  ASSERT_TRUE(wait_until([&] { return receiver_.received().size() >= 3; }));
  const auto received = receiver_.received();
  ASSERT_EQ(received.size(), 3u);
  for (guint16 i = 0; i < 3; ++i) {
    const std::string packet = unprotect(received[i], key_of(30), srtp_crypto_policy_set_rtp_default);
    std::string expected = rtp_packet(static_cast<guint16>(2 + i));
    const guint32 ts = 9000u * (2 + i);
    for (int b = 0; b < 4; ++b) expected[4 + b] = static_cast<char>(ts >> (24 - 8 * b));
    expected[0] = static_cast<char>(0x90);
    // The transport-cc element (id 3, two bytes) numbered from 1, for the whole connection.
    expected.insert(12, std::string("\xBE\xDE\x00\x01\x31\x00", 6) + static_cast<char>(1 + i) + '\0');
    EXPECT_EQ(packet, expected) << "packet " << i;
    DirectSender::Record record;
    ASSERT_TRUE(direct_->record_of(static_cast<guint16>(1 + i), &record));
    EXPECT_EQ(record.size, expected.size());
  }
  DirectSender::Record none;
  EXPECT_FALSE(direct_->record_of(4, &none)) << "only numbers sent are recorded";
  EXPECT_EQ(out_of_srtpenc(), 0u);

  in_use_->store(false);  // the receiver did not take transport-cc: no extension at all
  g_autoptr(GstBuffer) plain = forwarded(5, 45000);
  ASSERT_TRUE(send(plain));
  ASSERT_TRUE(wait_until([&] { return receiver_.received().size() >= 4; }));
  const std::string unnumbered = unprotect(receiver_.received()[3], key_of(30), srtp_crypto_policy_set_rtp_default);
  ASSERT_GE(unnumbered.size(), 12u);
  EXPECT_EQ(unnumbered[0] & 0x10, 0) << "no extension";
  EXPECT_EQ(unnumbered.substr(12), rtp_packet(5).substr(12)) << "the payload follows the header";
}

TEST_F(ForwardedSendTest, SenderReportsCountWhatWasSentAndExtrapolateTheRtpTime) {
  key_srtpenc();
  const gint64 before = g_get_monotonic_time();
  for (guint16 seq = 1; seq <= 3; ++seq) {
    g_autoptr(GstBuffer) packet = forwarded(seq, 90000);
    ASSERT_TRUE(send(packet));
  }
  const gint64 sent_by = g_get_monotonic_time();
  const gint64 later = sent_by + G_USEC_PER_SEC;  // a second after the last packet
  direct_->set_cname("convene@test");
  const auto reports = direct_->sender_reports(later, 0x1234567800000000ull);
  ASSERT_EQ(reports.size(), 1u);
  g_autoptr(GstBuffer) compound = gst_buffer_new_memdup(reports[0].data(), reports[0].size());
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  ASSERT_TRUE(gst_rtcp_buffer_map(compound, GST_MAP_READ, &rtcp));
  GstRTCPPacket packet;
  ASSERT_TRUE(gst_rtcp_buffer_get_first_packet(&rtcp, &packet));
  ASSERT_EQ(gst_rtcp_packet_get_type(&packet), GST_RTCP_TYPE_SR);
  guint32 ssrc = 0, rtp_time = 0, packets = 0, octets = 0;
  guint64 ntp = 0;
  gst_rtcp_packet_sr_get_sender_info(&packet, &ssrc, &ntp, &rtp_time, &packets, &octets);
  EXPECT_EQ(ssrc, 0x11223344u);
  EXPECT_EQ(ntp, 0x1234567800000000ull);
  EXPECT_EQ(packets, 3u);
  EXPECT_EQ(octets, 3 * (rtp_packet(1).size() - 12)) << "payload bytes";
  // 90000 + 90 kHz × (1 s + the time since the last packet was sent).
  EXPECT_GE(rtp_time, 90000u + 90000u);
  EXPECT_LE(rtp_time, 90000u + static_cast<guint32>((later - before) * 90 / 1000));
  ASSERT_TRUE(gst_rtcp_packet_move_to_next(&packet));
  ASSERT_EQ(gst_rtcp_packet_get_type(&packet), GST_RTCP_TYPE_SDES);
  ASSERT_TRUE(gst_rtcp_packet_sdes_first_entry(&packet));
  GstRTCPSDESType type;
  guint8 length = 0;
  guint8* data = nullptr;
  ASSERT_TRUE(gst_rtcp_packet_sdes_get_entry(&packet, &type, &length, &data));
  EXPECT_EQ(type, GST_RTCP_SDES_CNAME);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(data), length), "convene@test");
  gst_rtcp_buffer_unmap(&rtcp);

  EXPECT_TRUE(direct_->sender_reports(sent_by + DirectSender::kSenderFor + 1, 0).empty())
      << "a stream quiet for kSenderFor is no sender any more";
}

}  // namespace
