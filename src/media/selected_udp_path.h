// Where libnice sends a component's packets once ICE has selected a pair —
// the local candidate's UDP socket and the remote candidate's address — so
// DirectSender can send each packet with one sendto() on that socket.
//
// nice_agent_send does the same send, after taking the agent's lock (which
// the agent's own thread holds while it reads the socket), finding the
// stream, component and pair, and going through GIO's checks and address
// conversion: about 4 % of the server's CPU in a room of four, beside the
// kernel's own send (bench/README.md, 2026-12-05). The path is only taken
// for a host, server- or peer-reflexive local candidate on UDP; a relayed
// (TURN) or TCP pair, or no pair, leaves the caller to nice_agent_send.
// It follows the agent: a new selected pair or a component state change
// reads the pair again.
//
// Threads: send() runs on whichever thread sends (DirectSender's callers,
// one at a time under its lock); the agent's signals run on the agent's
// thread. The path is kept under a mutex of its own, in a state the signal
// handlers share, so a handler still running on the agent's thread when the
// owner goes finds it alive.
#pragma once

#include <nice/agent.h>
#include <sys/socket.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

#include "util/gobject_ptr.h"

namespace convene::media {

class SelectedUdpPath {
 public:
  SelectedUdpPath(NiceAgent* agent, guint stream, guint component);
  ~SelectedUdpPath();
  SelectedUdpPath(const SelectedUdpPath&) = delete;
  SelectedUdpPath& operator=(const SelectedUdpPath&) = delete;

  // Sends `size` bytes to the selected pair. True when the packet was sent,
  // or dropped because the socket's buffer is full (as libnice's
  // non-blocking send drops it); false when there is no UDP path now or the
  // socket refused it otherwise: then the caller asks nice_agent_send.
  bool send(const guint8* data, size_t size);
  // Whether a UDP path is known now (tests).
  bool ready();
  // Packets sent on it so far.
  guint64 packets_sent() const { return state_->sent.load(std::memory_order_relaxed); }

 private:
  struct State {
    guint stream = 0;
    guint component = 0;
    std::mutex mutex;
    GObjectPtr<GSocket> socket;  // null: no path
    sockaddr_storage remote{};
    socklen_t remote_length = 0;
    std::atomic<guint64> sent{0};
    // Reads the agent's selected pair again (the agent's lock is not held).
    void refresh(NiceAgent* agent);
    // The agent's signals name a stream and component: this path's only.
    void refresh_if_ours(NiceAgent* agent, guint signalled_stream, guint signalled_component);
  };
  GObjectPtr<NiceAgent> agent_;
  std::shared_ptr<State> state_;
  gulong pair_handler_ = 0;
  gulong state_handler_ = 0;
};

}  // namespace convene::media
