// Janus 1.1.2 (Debian's `janus`) started by the bench with a configuration of
// its own in a temporary folder: the videoroom plugin and the HTTP transport
// only (bound to 127.0.0.1), no event handlers or loggers, ICE gathering
// pinned to one interface (`ice_enforce_list`). Janus never gathers on an
// interface flagged loopback, so that interface is a veth end inside the
// bench's own network namespace (bench/sfu-bench sets it up).
//
// Threads: the caller's; start-up waits for the HTTP API to answer.
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include <string>

namespace convene::bench {

class JanusServer {
 public:
  // `ice_interface`: the interface Janus gathers candidates on; `address`: its address there.
  JanusServer(SoupSession* http, const std::string& ice_interface, const std::string& address, int port = 8088);
  ~JanusServer();  // SIGTERM, wait, remove the folder
  JanusServer(const JanusServer&) = delete;
  JanusServer& operator=(const JanusServer&) = delete;

  int pid() const { return pid_; }
  // http://127.0.0.1:PORT/janus
  const std::string& api_url() const { return api_url_; }
  std::string log() const;

 private:
  void write_config(const std::string& ice_interface, const std::string& address, int port);

  std::string dir_;
  std::string api_url_;
  GSubprocess* proc_ = nullptr;
  int pid_ = 0;
};

}  // namespace convene::bench
