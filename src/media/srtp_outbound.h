// One subscribe connection's outgoing SRTP session, keyed like webrtcbin's
// own srtpenc once DTLS has given that encoder its key (direct_send.h sends
// with it). libsrtp, as srtpenc uses it: one session for every SSRC sent.
// Its RTCP is only the sender reports direct_send.h writes for streams
// srtpenc's own session never sees.
//
// Threads: made and used under the stream lock of the srtpenc input pad it
// stands beside (a libsrtp session is not thread-safe); the probe holding it
// frees it when the pad goes.
#pragma once

#include <gst/gst.h>
#include <srtp2/srtp.h>

#include <cstddef>
#include <memory>
#include <string>

namespace convene::media {

class SrtpOutbound {
 public:
  // Room to leave after a packet for what protect() appends (tag, MKI).
  static constexpr size_t kTrailerRoom = SRTP_MAX_TRAILER_LEN;

  // The session `srtpenc` would encrypt RTP with: nullptr while it has no key
  // of its own yet (webrtcbin's dtlssrtpenc keeps `random-key` set until
  // DTLS gives it one), and `*why` set when its key or profile is one this
  // class does not handle (then srtpenc had better keep encrypting).
  static std::unique_ptr<SrtpOutbound> like(GstElement* srtpenc, std::string* why);

  // A session for `key` (master key and salt) and the srtpenc profile named
  // by `cipher` and `auth` (the nicks of srtpenc's "rtp-cipher" and
  // "rtp-auth"); nullptr with `*why` for one not handled.
  static std::unique_ptr<SrtpOutbound> make(const char* cipher, const char* auth, const guint8* key,
                                            size_t key_size, std::string* why);

  ~SrtpOutbound();
  SrtpOutbound(const SrtpOutbound&) = delete;
  SrtpOutbound& operator=(const SrtpOutbound&) = delete;

  // Encrypts the RTP packet of `*size` bytes at `packet` in place; there must
  // be kTrailerRoom more bytes after it. False (and the packet left unsent)
  // for what libsrtp refuses, as srtpenc drops it.
  bool protect(guint8* packet, size_t* size);
  // The same for a compound RTCP packet (SRTCP: kRtcpTrailerRoom more bytes).
  // Only for SSRCs srtpenc protects no RTCP for: SRTCP's index is per SSRC.
  bool protect_rtcp(guint8* packet, size_t* size);
  static constexpr size_t kRtcpTrailerRoom = SRTP_MAX_TRAILER_LEN + 4;  // + the SRTCP index

 private:
  explicit SrtpOutbound(srtp_t session) : session_(session) {}
  srtp_t session_;
};

}  // namespace convene::media
