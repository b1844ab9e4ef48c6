// A small SMTP receiver on 127.0.0.1 for tests: speaks enough of RFC 5321
// (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT) to take messages from libcurl and
// keep them for the test to read.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace convene::testing {

struct ReceivedMail {
  std::string mail_from;
  std::vector<std::string> rcpt_to;
  std::string data;       // headers + body as received (dot-unstuffed)
  std::string auth_plain; // the decoded AUTH PLAIN credentials, "\0user\0pass"
};

class FakeSmtpServer {
 public:
  FakeSmtpServer();
  ~FakeSmtpServer();
  int port() const { return port_; }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  // Waits until at least `count` messages arrived (or timeout); returns a copy of all.
  std::vector<ReceivedMail> wait_for(size_t count, int timeout_ms = 10000);
  std::vector<ReceivedMail> messages();

 private:
  void serve();
  void session(int fd);

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<ReceivedMail> mails_;
};

}  // namespace convene::testing
