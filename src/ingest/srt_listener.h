// The SRT listener of ingest: one libsrt socket on [ingest] srt_bind:srt_port
// that any number of callers connect to, each with its own stream id.
//
// Why libsrt and not GStreamer's srtsrc: in 1.22 a listening srtsrc serves
// one caller (its accept loop returns after the first, see
// gst-plugins-bad/ext/srt/gstsrtobject.c) and one srtsrc is one port, so
// two encoders could not publish at once. Here every caller's stream id is
// checked in libsrt's listen callback, before the handshake completes: a
// refused caller is rejected with a reason (SRT_REJX_*) and never becomes a
// socket, so nothing is created for it. The passphrase (optional) is
// libsrt's: a caller with another one, or none, fails the handshake.
//
// Threads: the constructor, attach() and close() run on the main loop. One
// thread of ours waits on an SRT epoll for new callers and their data and
// runs AcceptedFn, ClosedFn and each caller's DataFn; libsrt runs CheckFn on
// its own receiving thread. close() takes a caller out under the mutex the
// reading thread holds while it delivers, so after close() returns its
// DataFn is never called again.
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace convene::ingest {

class SrtListener {
 public:
  struct Options {
    std::string bind = "127.0.0.1";
    int port = 0;
    std::string passphrase;  // "" = no encryption
    int latency_ms = 120;    // SRTO_LATENCY: how long the receiver waits for retransmissions
  };
  // libsrt's thread, during the handshake: 0 admits the caller, anything
  // else is the SRT_REJX_* code it is rejected with.
  using CheckFn = std::function<int(const std::string& stream_id)>;
  // Our thread: a caller was admitted and connected (socket id, its stream
  // id); nothing is read from it until attach().
  using AcceptedFn = std::function<void(int sock, const std::string& stream_id)>;
  // Our thread: an attached caller's connection ended (it closed, broke or
  // timed out); it is already closed.
  using ClosedFn = std::function<void(int sock)>;
  // Our thread: bytes received from one caller (MPEG-TS in live mode).
  using DataFn = std::function<void(const uint8_t* data, size_t size)>;

  // Listens at once; throws std::runtime_error when it cannot.
  SrtListener(const Options& options, CheckFn check, AcceptedFn accepted, ClosedFn closed);
  ~SrtListener();  // closes every caller, then the listener
  SrtListener(const SrtListener&) = delete;
  SrtListener& operator=(const SrtListener&) = delete;

  // Starts reading an accepted caller; `data` receives everything it sends.
  void attach(int sock, DataFn data);
  // Closes a caller (attached or not). No DataFn or ClosedFn for it after this returns.
  void close(int sock);
  size_t caller_count() const;

 private:
  static int listen_callback(void* self, int sock, int hs_version, const sockaddr* peer, const char* stream_id);
  void run();
  void accept_callers();
  // Reads what the caller has; false when its connection is over.
  bool read_caller(int sock);

  Options options_;
  CheckFn check_;
  AcceptedFn accepted_;
  ClosedFn closed_;
  int listener_ = -1;
  int epoll_ = -1;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::map<int, DataFn> callers_;  // accepted sockets; an empty DataFn until attached
  std::thread thread_;
};

}  // namespace convene::ingest
