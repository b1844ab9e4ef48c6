#include "media/selected_udp_path.h"

#include <netinet/in.h>

#include <cerrno>

#include "util/log.h"

#define GST_CAT_DEFAULT convene_media_debug

namespace convene::media {

namespace {

bool usable(const NiceCandidate* local, const NiceCandidate* remote) {
  return local && remote && local->type != NICE_CANDIDATE_TYPE_RELAYED &&
         local->transport == NICE_CANDIDATE_TRANSPORT_UDP && remote->transport == NICE_CANDIDATE_TRANSPORT_UDP;
}

socklen_t copy_address(const NiceAddress& address, sockaddr_storage* out) {
  *out = sockaddr_storage{};
  nice_address_copy_to_sockaddr(&address, reinterpret_cast<sockaddr*>(out));
  switch (out->ss_family) {
    case AF_INET: return sizeof(sockaddr_in);
    case AF_INET6: return sizeof(sockaddr_in6);
    default: return 0;
  }
}

}  // namespace

void SelectedUdpPath::State::refresh(NiceAgent* agent) {
  GObjectPtr<GSocket> socket;
  sockaddr_storage address{};
  socklen_t length = 0;
  const guint component_state = nice_agent_get_component_state(agent, stream, component);
  NiceCandidate* local = nullptr;
  NiceCandidate* remote = nullptr;
  if ((component_state == NICE_COMPONENT_STATE_CONNECTED || component_state == NICE_COMPONENT_STATE_READY) &&
      nice_agent_get_selected_pair(agent, stream, component, &local, &remote) && usable(local, remote)) {
    length = copy_address(remote->addr, &address);
    socket = adopt(nice_agent_get_selected_socket(agent, stream, component));
    if (socket && g_socket_get_socket_type(socket.get()) != G_SOCKET_TYPE_DATAGRAM) socket.reset();
  }
  if (!length) socket.reset();
  std::lock_guard hold(mutex);
  const bool had = static_cast<bool>(this->socket);
  this->socket = std::move(socket);
  this->remote = address;
  remote_length = length;
  if (had != static_cast<bool>(this->socket))
    GST_DEBUG("ICE stream %u component %u: %s", stream, component,
              this->socket ? "packets sent on the selected pair's UDP socket" : "packets sent through libnice");
}

void SelectedUdpPath::State::refresh_if_ours(NiceAgent* agent, guint signalled_stream, guint signalled_component) {
  if (signalled_stream == stream && signalled_component == component) refresh(agent);
}

SelectedUdpPath::SelectedUdpPath(NiceAgent* agent, guint stream, guint component)
    : agent_(retain(agent)), state_(std::make_shared<State>()) {
  state_->stream = stream;
  state_->component = component;
  // Each handler holds the state: a handler already running on the agent's
  // thread when this object goes still finds it.
  auto hold_state = [this] { return new std::shared_ptr<State>(state_); };
  auto let_go = [](gpointer data, GClosure*) { delete static_cast<std::shared_ptr<State>*>(data); };
  pair_handler_ = g_signal_connect_data(
      agent, "new-selected-pair-full",
      G_CALLBACK(+[](NiceAgent* agent, guint stream, guint component, NiceCandidate*, NiceCandidate*, gpointer data) {
        (*static_cast<std::shared_ptr<State>*>(data))->refresh_if_ours(agent, stream, component);
      }),
      hold_state(), let_go, GConnectFlags(0));
  state_handler_ = g_signal_connect_data(
      agent, "component-state-changed",
      G_CALLBACK(+[](NiceAgent* agent, guint stream, guint component, guint, gpointer data) {
        (*static_cast<std::shared_ptr<State>*>(data))->refresh_if_ours(agent, stream, component);
      }),
      hold_state(), let_go, GConnectFlags(0));
  // After connecting: a pair selected in between is read twice, not missed.
  state_->refresh(agent);
}

SelectedUdpPath::~SelectedUdpPath() {
  g_signal_handler_disconnect(agent_.get(), pair_handler_);
  g_signal_handler_disconnect(agent_.get(), state_handler_);
}

bool SelectedUdpPath::ready() {
  std::lock_guard hold(state_->mutex);
  return static_cast<bool>(state_->socket);
}

bool SelectedUdpPath::send(const guint8* data, size_t size) {
  State& state = *state_;
  std::lock_guard hold(state.mutex);
  if (!state.socket || g_socket_is_closed(state.socket.get())) return false;
  const int fd = g_socket_get_fd(state.socket.get());
  for (;;) {
    const ssize_t sent = sendto(fd, data, size, MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&state.remote),
                                state.remote_length);
    if (sent == static_cast<ssize_t>(size)) {
      state.sent.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
    if (sent < 0 && errno == EINTR) continue;
    // A full socket buffer drops the packet, as libnice's non-blocking send
    // does; anything else is libnice's to try (and to report).
    return sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
}

}  // namespace convene::media
