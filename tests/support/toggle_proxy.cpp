#include "toggle_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>
#include <stdexcept>

namespace convene::testing {

ToggleProxy::ToggleProxy(const std::string& target_url) {
  std::smatch m;
  static const std::regex re(R"(^((?:postgres(?:ql)?|http)://[^@/]*@?127\.0\.0\.1:)(\d+)(/.*)?$)");
  if (!std::regex_match(target_url, m, re)) throw std::runtime_error("proxy needs a 127.0.0.1 URL: " + target_url);
  target_port_ = std::stoi(m[2]);
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(listen_fd_, 64) != 0)
    throw std::runtime_error("proxy bind failed");
  socklen_t len = sizeof a;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  url_ = std::string(m[1]) + std::to_string(ntohs(a.sin_port)) + std::string(m[3]);
  acceptor_ = std::thread([this] { accept_loop(); });
}

ToggleProxy::~ToggleProxy() {
  stopping_ = true;
  set_down(true);
  shutdown(listen_fd_, SHUT_RDWR);
  close(listen_fd_);
  if (acceptor_.joinable()) acceptor_.join();
  for (auto& t : pumps_)
    if (t.joinable()) t.join();
}

void ToggleProxy::set_down(bool down) {
  down_ = down;
  if (!down) return;
  std::lock_guard lock(mutex_);
  for (int fd : open_fds_) shutdown(fd, SHUT_RDWR);
}

void ToggleProxy::accept_loop() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    int client = accept(listen_fd_, nullptr, nullptr);
    if (client < 0) continue;
    if (down_) {
      close(client);
      continue;
    }
    int upstream = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(target_port_));
    if (connect(upstream, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      close(client);
      close(upstream);
      continue;
    }
    {
      std::lock_guard lock(mutex_);
      open_fds_.insert(client);
      open_fds_.insert(upstream);
    }
    pumps_.emplace_back([this, client, upstream] { pump(client, upstream); });
    pumps_.emplace_back([this, client, upstream] { pump(upstream, client); });
  }
}

void ToggleProxy::pump(int from, int to) {
  char buf[16384];
  for (;;) {
    ssize_t n = read(from, buf, sizeof buf);
    if (n <= 0) break;
    if (write(to, buf, static_cast<size_t>(n)) != n) break;
  }
  shutdown(to, SHUT_RDWR);
  shutdown(from, SHUT_RDWR);
}

}  // namespace convene::testing
