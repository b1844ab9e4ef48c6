// Two ends of ICE over 127.0.0.1 for element tests: a NiceAgent with a
// thread of its own running its main context, as webrtcbin's ICE object has.
//
// Threads: the agent's callbacks run on its own thread; the test's on the
// test thread (received() copies under a mutex).
#pragma once

#include <glib.h>
#include <nice/agent.h>

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "wait_until.h"

namespace convene::test {

// A NiceAgent with a thread of its own running its main context, as
// webrtcbin's ICE object has.
class AgentOnThread {
 public:
  explicit AgentOnThread(bool controlling) {
    context_ = g_main_context_new();
    loop_ = g_main_loop_new(context_, FALSE);
    thread_ = g_thread_new("test-ice", run, this);
    agent_ = nice_agent_new_full(context_, NICE_COMPATIBILITY_RFC5245, NICE_AGENT_OPTION_NONE);
    g_object_set(agent_, "controlling-mode", controlling, "ice-tcp", FALSE, "upnp", FALSE, nullptr);
    NiceAddress loopback;
    nice_address_init(&loopback);
    nice_address_set_from_string(&loopback, "127.0.0.1");
    nice_agent_add_local_address(agent_, &loopback);
    stream_ = nice_agent_add_stream(agent_, 1);
    g_signal_connect(agent_, "candidate-gathering-done", G_CALLBACK(+[](NiceAgent*, guint, gpointer self) {
                       static_cast<AgentOnThread*>(self)->gathered_ = true;
                     }),
                     this);
    g_signal_connect(agent_, "component-state-changed",
                     G_CALLBACK(+[](NiceAgent*, guint, guint, guint state, gpointer self) {
                       static_cast<AgentOnThread*>(self)->state_ = state;
                     }),
                     this);
  }
  ~AgentOnThread() {
    g_object_unref(agent_);
    g_main_loop_quit(loop_);
    g_thread_join(thread_);
    g_main_loop_unref(loop_);
    g_main_context_unref(context_);
  }

  NiceAgent* agent() const { return agent_; }
  guint stream() const { return stream_; }
  GThread* thread() const { return thread_; }
  guint state() const { return state_; }
  bool gathered() const { return gathered_; }

  // Received data that no element takes (the sending side).
  void receive_nothing() {
    nice_agent_attach_recv(agent_, stream_, 1, context_,
                           [](NiceAgent*, guint, guint, guint, gchar*, gpointer) {}, nullptr);
  }
  // Every datagram received, in order, kept for received() (the receiving
  // side, when no element takes them).
  void keep_received() {
    nice_agent_attach_recv(agent_, stream_, 1, context_,
                           [](NiceAgent*, guint, guint, guint size, gchar* data, gpointer self) {
                             auto* me = static_cast<AgentOnThread*>(self);
                             std::lock_guard<std::mutex> lock(me->received_mutex_);
                             me->received_.emplace_back(data, size);
                           },
                           this);
  }
  std::vector<std::string> received() const {
    std::lock_guard<std::mutex> lock(received_mutex_);
    return received_;
  }
  bool gather() { return nice_agent_gather_candidates(agent_, stream_); }

  void tell(const AgentOnThread& remote) const {
    gchar* ufrag = nullptr;
    gchar* pwd = nullptr;
    nice_agent_get_local_credentials(agent_, stream_, &ufrag, &pwd);
    nice_agent_set_remote_credentials(remote.agent_, remote.stream_, ufrag, pwd);
    g_free(ufrag);
    g_free(pwd);
    GSList* candidates = nice_agent_get_local_candidates(agent_, stream_, 1);
    nice_agent_set_remote_candidates(remote.agent_, remote.stream_, 1, candidates);
    g_slist_free_full(candidates, reinterpret_cast<GDestroyNotify>(nice_candidate_free));
  }

  bool send(const std::string& packet) {
    return nice_agent_send(agent_, stream_, 1, static_cast<guint>(packet.size()), packet.data()) ==
           static_cast<gint>(packet.size());
  }

 private:
  static gpointer run(gpointer data) {
    auto* self = static_cast<AgentOnThread*>(data);
    g_main_context_push_thread_default(self->context_);
    g_main_loop_run(self->loop_);
    g_main_context_pop_thread_default(self->context_);
    return nullptr;
  }

  GMainContext* context_;
  GMainLoop* loop_;
  GThread* thread_;
  NiceAgent* agent_;
  guint stream_ = 0;
  std::atomic<bool> gathered_{false};
  std::atomic<guint> state_{NICE_COMPONENT_STATE_DISCONNECTED};
  mutable std::mutex received_mutex_;
  std::vector<std::string> received_;
};

// Connects `a` and `b` over 127.0.0.1 (both gather, exchange candidates
// and credentials); true once `a`'s component is ready. Whichever end
// receives into an element must be attached before this (libnice reads no
// socket until something receives).
inline bool connect_agents(AgentOnThread& a, AgentOnThread& b) {
  a.gather();
  b.gather();
  if (!wait_until([&] { return a.gathered() && b.gathered(); })) return false;
  a.tell(b);
  b.tell(a);
  return wait_until([&] { return a.state() == NICE_COMPONENT_STATE_READY; });
}

}  // namespace convene::test
