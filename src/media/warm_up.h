// Makes, once per process and on a thread of its own, what the first call
// would otherwise wait for: GStreamer's DTLS certificate and the media
// plugins.
//
// Every webrtcbin without a certificate of its own (all of Convene's) uses
// the one certificate dtlsdec generates for the process, an RSA 2048 key
// made when the first dtlsdec is created: 0.1–0.6 s of prime search on this
// project's machines, which every connection of the first call after a
// start waited for (all four publish answers of a new room's first call
// came in the same millisecond, 600 ms after their offers). Loading
// webrtcbin's plugins (libnice, DTLS, SRTP, rtpmanager) is the rest.
//
// Threads: warm_up_media() returns at once; the work runs on the
// "media-warm-up" thread, touching only GStreamer's own process-wide state
// (which it guards: a call arriving meanwhile waits for the same key).
// finish_warm_up() waits for that thread, so that no key is being made
// while the process exits (OpenSSL cleans up at exit).
#pragma once

namespace convene::media {

// Starts the warm-up, the first time only.
void warm_up_media();
// Waits for a warm-up still running (no-op otherwise).
void finish_warm_up();

}  // namespace convene::media
