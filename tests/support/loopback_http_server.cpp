#include "loopback_http_server.h"

#include <condition_variable>
#include <mutex>

#include "util/json.h"

namespace convene::testing {

LoopbackHttpServer::LoopbackHttpServer(Handler handler) : handler_(std::move(handler)) {
  std::mutex m;
  std::condition_variable cv;
  bool ready = false;
  thread_ = std::thread([&] {
    context_ = g_main_context_new();
    g_main_context_push_thread_default(context_);
    loop_ = g_main_loop_new(context_, FALSE);
    SoupServer* server = soup_server_new(nullptr, nullptr);
    soup_server_add_handler(
        server, nullptr,
        [](SoupServer*, SoupServerMessage* msg, const char* path, GHashTable* query, gpointer self) {
          static_cast<LoopbackHttpServer*>(self)->handler_(msg, path, query);
        },
        this, nullptr);
    soup_server_listen_local(server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, nullptr);
    GSList* uris = soup_server_get_uris(server);
    {
      std::lock_guard lock(m);
      port_ = g_uri_get_port(static_cast<GUri*>(uris->data));
      ready = true;
    }
    g_slist_free_full(uris, reinterpret_cast<GDestroyNotify>(g_uri_unref));
    cv.notify_all();
    g_main_loop_run(loop_);
    g_object_unref(server);
    g_main_loop_unref(loop_);
    g_main_context_pop_thread_default(context_);
  });
  std::unique_lock lock(m);
  cv.wait(lock, [&] { return ready; });
}

LoopbackHttpServer::~LoopbackHttpServer() {
  g_main_context_invoke(context_, [](gpointer loop) -> gboolean {
    g_main_loop_quit(static_cast<GMainLoop*>(loop));
    return G_SOURCE_REMOVE;
  }, loop_);
  thread_.join();
  g_main_context_unref(context_);
}

void LoopbackHttpServer::reply_json(SoupServerMessage* msg, int status, const std::string& body) {
  soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_COPY, body.data(), body.size());
  soup_server_message_set_status(msg, static_cast<guint>(status), nullptr);
}

std::string chat_completion_body(const std::string& content) {
  json::Object message;
  message.set("role", "assistant").set("content", content);
  json::Object choice;
  choice.set("message", std::move(message));
  json::Array choices;
  choices.add(std::move(choice));
  json::Object root;
  root.set("choices", std::move(choices));
  return std::move(root).to_string();
}

}  // namespace convene::testing
