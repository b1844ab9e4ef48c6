// A TCP proxy in front of the test PostgreSQL that a test can switch off and
// on, to show the server riding out a database outage (or in front of the
// server itself, to cut a client's connection without a close).
#pragma once

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace convene::testing {

class ToggleProxy {
 public:
  // `target_url`: postgresql://user@127.0.0.1:PORT/db or http://127.0.0.1:PORT
  explicit ToggleProxy(const std::string& target_url);
  ~ToggleProxy();
  // The same URL through the proxy.
  const std::string& url() const { return url_; }
  // Down: every open connection is cut and new ones are closed at once.
  void set_down(bool down);

 private:
  void accept_loop();
  void pump(int from, int to);

  std::string url_;
  int target_port_ = 0;
  int listen_fd_ = -1;
  std::atomic<bool> down_{false};
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::set<int> open_fds_;
  std::thread acceptor_;
  std::vector<std::thread> pumps_;
};

}  // namespace convene::testing
