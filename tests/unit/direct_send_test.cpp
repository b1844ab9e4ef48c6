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
    // Where dtlssrtpenc's nicesink would send: the sending agent.
    ASSERT_TRUE(send_rtp_directly(srtpenc_, [this](GstElement*, convene::media::IceTarget* target) {
      target->agent = NICE_AGENT(g_object_ref(sender_.agent()));
      target->stream = sender_.stream();
      target->component = 1;
      return true;
    }));
    h_ = gst_harness_new_with_element(srtpenc_, "rtp_sink_0", "rtp_src_0");
    gst_harness_set_src_caps_str(h_, "application/x-rtp, media=video, clock-rate=90000, encoding-name=VP8, payload=96");
    input_ = gst_element_get_static_pad(srtpenc_, "rtp_sink_0");
  }
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

}  // namespace
