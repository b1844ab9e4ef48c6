#include "fake_smtp.h"

#include <arpa/inet.h>
#include <glib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

namespace convene::testing {
namespace {

bool send_line(int fd, const std::string& line) {
  std::string l = line + "\r\n";
  return write(fd, l.data(), l.size()) == static_cast<ssize_t>(l.size());
}

// Reads one CRLF-terminated line (without it) from fd, buffering extra bytes.
bool read_line(int fd, std::string& buffer, std::string& line) {
  for (;;) {
    auto pos = buffer.find("\r\n");
    if (pos != std::string::npos) {
      line = buffer.substr(0, pos);
      buffer.erase(0, pos + 2);
      return true;
    }
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 10000) <= 0) return false;
    char chunk[4096];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
  }
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(g_ascii_toupper(c));
  return s;
}

}  // namespace

FakeSmtpServer::FakeSmtpServer() {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(listen_fd_, 16) != 0)
    throw std::runtime_error("fake SMTP: bind failed");
  socklen_t len = sizeof a;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  thread_ = std::thread([this] { serve(); });
}

FakeSmtpServer::~FakeSmtpServer() {
  stopping_ = true;
  shutdown(listen_fd_, SHUT_RDWR);
  close(listen_fd_);
  if (thread_.joinable()) thread_.join();
}

void FakeSmtpServer::serve() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    session(fd);  // one client at a time is plenty for tests
    close(fd);
  }
}

void FakeSmtpServer::session(int fd) {
  std::string buffer, line;
  ReceivedMail mail;
  send_line(fd, "220 fake-smtp.convene.test ESMTP ready");
  while (read_line(fd, buffer, line)) {
    std::string cmd = upper(line.substr(0, line.find(' ')));
    if (cmd == "EHLO" || cmd == "HELO") {
      send_line(fd, "250-fake-smtp.convene.test");
      send_line(fd, "250-AUTH PLAIN");
      send_line(fd, "250 8BITMIME");
    } else if (cmd == "AUTH") {
      std::string arg = line.size() > 11 ? line.substr(11) : "";
      // Without an initial response the client waits for an empty challenge.
      if (arg.empty()) {
        send_line(fd, "334 ");
        if (!read_line(fd, buffer, arg)) return;
      }
      gsize n = 0;
      g_autofree guchar* dec = g_base64_decode(arg.c_str(), &n);
      mail.auth_plain.assign(reinterpret_cast<char*>(dec), n);
      send_line(fd, "235 2.7.0 Authentication successful");
    } else if (cmd == "MAIL") {
      mail.mail_from = line.substr(line.find(':') + 1);
      send_line(fd, "250 OK");
    } else if (cmd == "RCPT") {
      mail.rcpt_to.push_back(line.substr(line.find(':') + 1));
      send_line(fd, "250 OK");
    } else if (cmd == "DATA") {
      send_line(fd, "354 End data with <CR><LF>.<CR><LF>");
      std::string data;
      while (read_line(fd, buffer, line) && line != ".") data += (line.rfind("..", 0) == 0 ? line.substr(1) : line) + "\r\n";
      mail.data = data;
      {
        std::lock_guard lock(mutex_);
        mails_.push_back(mail);
      }
      cv_.notify_all();
      mail = ReceivedMail{};
      send_line(fd, "250 OK queued");
    } else if (cmd == "RSET" || cmd == "NOOP") {
      send_line(fd, "250 OK");
    } else if (cmd == "QUIT") {
      send_line(fd, "221 Bye");
      return;
    } else {
      send_line(fd, "502 Command not implemented");
    }
  }
}

std::vector<ReceivedMail> FakeSmtpServer::wait_for(size_t count, int timeout_ms) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return mails_.size() >= count; });
  return mails_;
}

std::vector<ReceivedMail> FakeSmtpServer::messages() {
  std::lock_guard lock(mutex_);
  return mails_;
}

}  // namespace convene::testing
