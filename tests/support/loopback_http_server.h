// A small HTTP server for fakes of outside services (an OIDC provider, a
// chat-completions API): libsoup on 127.0.0.1 with its own thread and main
// context, so it answers while the test thread blocks in a request.
#pragma once

#include <libsoup/soup.h>

#include <functional>
#include <string>
#include <thread>

namespace convene::testing {

class LoopbackHttpServer {
 public:
  // Called on the server's thread for every request.
  using Handler = std::function<void(SoupServerMessage* msg, const std::string& path, GHashTable* query)>;

  explicit LoopbackHttpServer(Handler handler);
  ~LoopbackHttpServer();
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  static void reply_json(SoupServerMessage* msg, int status, const std::string& body);

 private:
  Handler handler_;
  int port_ = 0;
  GMainContext* context_ = nullptr;
  GMainLoop* loop_ = nullptr;
  std::thread thread_;
};

// The body of a chat-completions answer whose message content is `content`.
std::string chat_completion_body(const std::string& content);

}  // namespace convene::testing
