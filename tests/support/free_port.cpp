#include "free_port.h"

#include <gio/gio.h>

namespace convene::testing {
namespace {

int free_port(GSocketType type, GSocketProtocol protocol) {
  g_autoptr(GSocket) s = g_socket_new(G_SOCKET_FAMILY_IPV4, type, protocol, nullptr);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
  g_socket_bind(s, any, TRUE, nullptr);
  g_autoptr(GSocketAddress) bound = g_socket_get_local_address(s, nullptr);
  return g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
}

}  // namespace

int free_udp_port() { return free_port(G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP); }
int free_tcp_port() { return free_port(G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP); }

}  // namespace convene::testing
