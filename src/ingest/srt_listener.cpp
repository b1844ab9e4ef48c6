#include "ingest/srt_listener.h"

#include <gio/gio.h>
#include <srt/access_control.h>
#include <srt/srt.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "ingest/ingest_log.h"

#define GST_CAT_DEFAULT convene_ingest_debug

namespace convene::ingest {
namespace {

// How long our thread waits for events before it looks at `stopping_`.
constexpr int kPollMs = 200;

std::runtime_error srt_failure(const std::string& what) {
  return std::runtime_error("SRT listener: " + what + ": " + srt_getlasterror_str());
}

}  // namespace

SrtListener::SrtListener(const Options& options, CheckFn check, AcceptedFn accepted, ClosedFn closed)
    : options_(options), check_(std::move(check)), accepted_(std::move(accepted)), closed_(std::move(closed)) {
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string(options_.bind.c_str(), options_.port);
  if (!address) throw std::runtime_error("SRT listener: [ingest] srt_bind is not an IP address: " + options_.bind);
  if (!options_.passphrase.empty() && (options_.passphrase.size() < 10 || options_.passphrase.size() > 79))
    throw std::runtime_error("SRT listener: [ingest] srt_passphrase must be 10 to 79 characters");
  srt_startup();
  auto fail = [this](const std::string& what) {
    std::runtime_error e = srt_failure(what);
    if (epoll_ >= 0) srt_epoll_release(epoll_);
    if (listener_ != SRT_INVALID_SOCK) srt_close(listener_);
    srt_cleanup();
    return e;
  };
  listener_ = srt_create_socket();
  if (listener_ == SRT_INVALID_SOCK) throw fail("socket");
  int no = 0;
  int latency = options_.latency_ms;
  // Non-blocking: our one thread accepts and reads every caller through the epoll.
  srt_setsockflag(listener_, SRTO_RCVSYN, &no, sizeof no);
  srt_setsockflag(listener_, SRTO_LATENCY, &latency, sizeof latency);
  if (!options_.passphrase.empty() &&
      srt_setsockflag(listener_, SRTO_PASSPHRASE, options_.passphrase.data(),
                      static_cast<int>(options_.passphrase.size())) == SRT_ERROR)
    throw fail("passphrase");
  sockaddr_storage native{};
  gssize length = g_socket_address_get_native_size(address);
  if (!g_socket_address_to_native(address, &native, sizeof native, nullptr)) throw fail("address");
  if (srt_bind(listener_, reinterpret_cast<sockaddr*>(&native), static_cast<int>(length)) == SRT_ERROR)
    throw fail("bind " + options_.bind + ":" + std::to_string(options_.port));
  if (srt_listen_callback(listener_, &SrtListener::listen_callback, this) == SRT_ERROR) throw fail("listen callback");
  if (srt_listen(listener_, 16) == SRT_ERROR) throw fail("listen");
  epoll_ = srt_epoll_create();
  if (epoll_ < 0) throw fail("epoll");
  int events = SRT_EPOLL_IN | SRT_EPOLL_ERR;
  srt_epoll_add_usock(epoll_, listener_, &events);
  thread_ = std::thread([this] { run(); });
  GST_INFO("SRT ingest listening on %s:%d (latency %d ms, %s)", options_.bind.c_str(), options_.port,
           options_.latency_ms, options_.passphrase.empty() ? "no passphrase" : "passphrase");
}

SrtListener::~SrtListener() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [sock, data] : callers_) srt_close(sock);
    callers_.clear();
  }
  srt_epoll_release(epoll_);
  srt_close(listener_);
  srt_cleanup();
}

int SrtListener::listen_callback(void* opaque, int sock, int hs_version, const sockaddr*,
                                 const char* stream_id) {
  auto* self = static_cast<SrtListener*>(opaque);
  // HSv4 callers (libsrt before 1.3) cannot send a stream id.
  int reject = hs_version < 5 ? SRT_REJX_BAD_REQUEST : self->check_(stream_id ? stream_id : "");
  if (reject == 0) return 0;
  srt_setrejectreason(sock, reject);
  return -1;
}

void SrtListener::run() {
  std::vector<SRT_EPOLL_EVENT> events(16);
  while (!stopping_) {
    int n = srt_epoll_uwait(epoll_, events.data(), static_cast<int>(events.size()), kPollMs);
    if (n < 0 && srt_getlasterror(nullptr) != SRT_ETIMEOUT) g_usleep(kPollMs * 1000);  // never spin on an error
    for (int i = 0; i < n; ++i) {
      if (events[i].fd == listener_) {
        accept_callers();
      } else if (!read_caller(events[i].fd)) {
        closed_(events[i].fd);
      }
    }
  }
}

void SrtListener::accept_callers() {
  for (;;) {
    sockaddr_storage peer{};
    int length = sizeof peer;
    SRTSOCKET sock = srt_accept(listener_, reinterpret_cast<sockaddr*>(&peer), &length);
    if (sock == SRT_INVALID_SOCK) return;  // none waiting (non-blocking)
    int no = 0;
    srt_setsockflag(sock, SRTO_RCVSYN, &no, sizeof no);
    char stream_id[513] = {};
    int id_length = sizeof stream_id - 1;
    srt_getsockflag(sock, SRTO_STREAMID, stream_id, &id_length);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      callers_[sock] = nullptr;
    }
    accepted_(sock, std::string(stream_id, static_cast<size_t>(std::max(0, id_length))));
  }
}

bool SrtListener::read_caller(int sock) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = callers_.find(sock);
  if (it == callers_.end()) return true;  // closed meanwhile: nobody to tell
  char buffer[1500];
  for (;;) {
    int n = srt_recvmsg(sock, buffer, sizeof buffer);
    if (n > 0) {
      if (it->second) it->second(reinterpret_cast<const uint8_t*>(buffer), static_cast<size_t>(n));
      continue;
    }
    if (n == SRT_ERROR && srt_getlasterror(nullptr) == SRT_EASYNCRCV) return true;
    break;  // closed by the caller, broken, or timed out
  }
  GST_INFO("SRT caller %d: connection over (%s)", sock, srt_getlasterror_str());
  srt_epoll_remove_usock(epoll_, sock);
  srt_close(sock);
  callers_.erase(it);
  return false;
}

void SrtListener::attach(int sock, DataFn data) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = callers_.find(sock);
  if (it == callers_.end()) return;
  it->second = std::move(data);
  int events = SRT_EPOLL_IN | SRT_EPOLL_ERR;
  srt_epoll_add_usock(epoll_, sock, &events);
}

void SrtListener::close(int sock) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = callers_.find(sock);
  if (it == callers_.end()) return;
  callers_.erase(it);
  srt_epoll_remove_usock(epoll_, sock);
  srt_close(sock);
}

size_t SrtListener::caller_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return callers_.size();
}

}  // namespace convene::ingest
