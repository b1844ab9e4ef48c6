#include "http/trusted_proxies.h"

#include <cstring>
#include <stdexcept>

namespace convene::http {
namespace {

// An address as GLib sees it; an IPv4-mapped IPv6 address (a dual-stack
// socket's view of an IPv4 peer) becomes the IPv4 address, so "127.0.0.1"
// matches whichever way the server listens.
GObjectPtr<GInetAddress> parse_address(const std::string& text) {
  GObjectPtr<GInetAddress> addr = adopt(g_inet_address_new_from_string(text.c_str()));
  if (!addr || g_inet_address_get_family(addr.get()) != G_SOCKET_FAMILY_IPV6) return addr;
  const guint8* b = g_inet_address_to_bytes(addr.get());
  static const guint8 kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (memcmp(b, kMappedPrefix, sizeof kMappedPrefix) != 0) return addr;
  return adopt(g_inet_address_new_from_bytes(b + 12, G_SOCKET_FAMILY_IPV4));
}

std::string trim(std::string s) {
  size_t a = s.find_first_not_of(" \t");
  size_t b = s.find_last_not_of(" \t");
  return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

std::vector<std::string> split_commas(const char* value) {
  std::vector<std::string> out;
  std::string s = value;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    out.push_back(trim(s.substr(start, end - start)));
    start = end + 1;
  }
  return out;
}

}  // namespace

TrustedProxies::TrustedProxies(const std::vector<std::string>& entries) {
  for (const std::string& raw : entries) {
    std::string entry = trim(raw);
    if (entry.empty()) continue;
    g_autoptr(GError) err = nullptr;
    GInetAddressMask* mask = g_inet_address_mask_new_from_string(entry.c_str(), &err);
    if (!mask) throw std::invalid_argument("'" + entry + "' is not an IP address or CIDR");
    masks_.push_back(adopt(mask));
  }
}

bool TrustedProxies::trusts(const std::string& address) const {
  if (masks_.empty()) return false;
  GObjectPtr<GInetAddress> addr = parse_address(address);
  if (!addr) return false;
  for (const auto& mask : masks_)
    if (g_inet_address_mask_matches(mask.get(), addr.get())) return true;
  return false;
}

ClientOrigin TrustedProxies::resolve(const char* peer, bool tls, const char* forwarded_for,
                                     const char* forwarded_proto) const {
  ClientOrigin origin{peer ? peer : "unknown", tls, false};
  if (!peer || !trusts(peer)) return origin;

  if (forwarded_for) {
    // Right to left: each hop was appended by the proxy to its right. Stop at
    // the first one that is not a trusted proxy: that is the client. A hop that
    // is no address at all was not written by a proxy; the last good one stands.
    std::vector<std::string> hops = split_commas(forwarded_for);
    for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
      GObjectPtr<GInetAddress> addr = parse_address(*it);
      if (!addr) break;
      g_autofree char* text = g_inet_address_to_string(addr.get());
      origin.address = text;
      origin.forwarded = true;
      if (!trusts(origin.address)) break;
    }
  }
  if (forwarded_proto) {
    std::vector<std::string> protos = split_commas(forwarded_proto);
    // The proxy that talked to us added its own value last.
    std::string proto = protos.back();
    if (g_ascii_strcasecmp(proto.c_str(), "https") == 0 || g_ascii_strcasecmp(proto.c_str(), "wss") == 0) {
      origin.https = true;
      origin.forwarded = true;
    } else if (g_ascii_strcasecmp(proto.c_str(), "http") == 0 || g_ascii_strcasecmp(proto.c_str(), "ws") == 0) {
      origin.https = false;  // the browser's scheme, whatever the hop to us uses
      origin.forwarded = true;
    }
  }
  return origin;
}

}  // namespace convene::http
