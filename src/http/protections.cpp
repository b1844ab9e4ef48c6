#include "http/protections.h"

#include <gio/gio.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "util/log.h"
#include "util/time.h"

#define GST_CAT_DEFAULT convene_http_debug

namespace convene::http {
namespace {

constexpr gsize kCompressAbove = 1024;

// The web client loads scripts and styles from itself only; media and
// images may be blob:/data: (camera previews, pasted images). It compiles
// its own WebAssembly (the background effects' segmentation model runtime:
// 'wasm-unsafe-eval' allows that and no JavaScript eval). It connects to
// its own origin ('self' covers same-origin ws:/wss:) and what is configured.
std::string content_security_policy(const std::vector<std::string>& connect_src) {
  std::string connect = "'self'";
  for (const auto& source : connect_src) connect += " " + source;
  return "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
         "media-src 'self' blob:; connect-src " + connect + "; font-src 'self' data:; object-src 'none'; "
         "frame-ancestors 'none'; base-uri 'self'; form-action 'self'";
}

// Host (lower case) and port of a URI; the port is -1 when absent, or the
// scheme's default with `default_port`.
std::optional<std::pair<std::string, int>> authority(const std::string& uri, bool default_port) {
  g_autoptr(GUri) parsed = g_uri_parse(uri.c_str(), G_URI_FLAGS_NONE, nullptr);
  if (!parsed || !g_uri_get_host(parsed)) return std::nullopt;
  g_autofree char* host = g_ascii_strdown(g_uri_get_host(parsed), -1);
  int port = g_uri_get_port(parsed);
  if (port == -1 && default_port) port = g_str_equal(g_uri_get_scheme(parsed), "https") ? 443 : 80;
  return std::make_pair(std::string(host), port);
}

bool rule_matches(const RateLimitRule& r, const Exchange& ex) {
  if (!r.method.empty() && r.method != ex.method()) return false;
  if (r.path_prefix.empty()) return true;
  if (r.path_prefix.back() == '/') return ex.path().rfind(r.path_prefix, 0) == 0;
  return ex.path() == r.path_prefix;
}

bool accepts_gzip(const char* accept_encoding) {
  if (!accept_encoding) return false;
  g_auto(GStrv) parts = g_strsplit(accept_encoding, ",", -1);
  for (char** p = parts; *p; ++p) {
    std::string item = g_strstrip(*p);
    if (item.rfind("gzip", 0) == 0 && item.find("q=0") == std::string::npos &&
        (item.size() == 4 || item[4] == ';'))
      return true;
  }
  return false;
}

bool compressible(const char* content_type) {
  if (!content_type) return false;
  return g_str_has_prefix(content_type, "text/") || g_str_has_prefix(content_type, "application/json") ||
         g_str_has_prefix(content_type, "application/javascript") || g_str_has_prefix(content_type, "image/svg+xml");
}

}  // namespace

Protections::Protections(Server& server, ProtectionOptions options)
    : options_(std::move(options)), content_security_policy_(content_security_policy(options_.connect_src)) {
  server.add_request_filter([this](const ExchangePtr& ex) { return cors(ex); });
  if (options_.rate_limits) server.add_request_filter([this](const ExchangePtr& ex) { return limit(ex); });
  server.add_header_filter([this](SoupMessageHeaders* h, bool tls) { security_headers(h, tls); });
  server.add_response_filter(&Protections::compress);
  server.add_upgrade_filter([this](Exchange& request) -> std::optional<UpgradeRefusal> {
    if (websocket_origin_allowed(request)) return std::nullopt;
    GST_INFO("WebSocket upgrade from origin %s refused", request.header("Origin"));
    return UpgradeRefusal{403, "origin_forbidden",
                          std::string("pages from ") + request.header("Origin") + " may not open a WebSocket here"};
  });
}

bool Protections::websocket_origin_allowed(const Exchange& request) const {
  const char* origin = request.header("Origin");
  if (!origin) return true;  // not a browser: nothing a page could abuse
  if (std::find(options_.cors_origins.begin(), options_.cors_origins.end(), origin) != options_.cors_origins.end())
    return true;
  // Same origin: the page was served by this host and port. The scheme is not
  // compared, so a TLS-terminating proxy that keeps the Host header works.
  const char* host = request.header("Host");
  if (!host) return false;
  auto from = authority(origin, true);
  auto here = authority(std::string("http://") + host, false);
  if (!from || !here || from->first != here->first) return false;
  // A Host without a port was reached on the default port of http or https.
  return here->second == -1 ? (from->second == 80 || from->second == 443) : here->second == from->second;
}

bool Protections::limit(const ExchangePtr& ex) {
  int64_t now = timeutil::now_ms();
  int64_t wait_ms = 0;
  const RateLimitRule* hit_rule = nullptr;
  for (const auto& rule : options_.rules) {
    if (!rule_matches(rule, *ex)) continue;
    int64_t w = limiter_.hit(rule.name + "|" + ex->client_ip(), rule.limit, rule.window_ms, now);
    if (w > wait_ms) {
      wait_ms = w;
      hit_rule = &rule;
    }
  }
  if (!hit_rule) return true;
  int64_t retry_after = std::max<int64_t>(1, (wait_ms + 999) / 1000);
  GST_INFO("%s %s from %s: rate limit '%s' reached", ex->method().c_str(), ex->path().c_str(),
           ex->client_ip().c_str(), hit_rule->name.c_str());
  ex->add_header("Retry-After", std::to_string(retry_after));
  ex->error(429, "rate_limited", "too many requests; try again in " + std::to_string(retry_after) + " s");
  return false;
}

bool Protections::cors(const ExchangePtr& ex) {
  const char* origin = ex->header("Origin");
  if (!origin) return true;
  bool allowed = std::find(options_.cors_origins.begin(), options_.cors_origins.end(), origin) !=
                 options_.cors_origins.end();
  bool preflight = ex->method() == "OPTIONS" && ex->header("Access-Control-Request-Method");
  if (!allowed) {
    if (preflight) {
      ex->error(403, "cors_forbidden", std::string("origin ") + origin + " may not call this API");
      return false;
    }
    return true;  // same-origin requests carry Origin too; the browser blocks the rest
  }
  ex->add_header("Access-Control-Allow-Origin", origin);
  ex->add_header("Access-Control-Allow-Credentials", "true");
  ex->add_header("Vary", "Origin");
  if (preflight) {
    ex->add_header("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS");
    ex->add_header("Access-Control-Allow-Headers", "Authorization, Content-Type");
    ex->add_header("Access-Control-Max-Age", "600");
    ex->no_content();
    return false;
  }
  return true;
}

void Protections::security_headers(SoupMessageHeaders* h, bool tls) const {
  soup_message_headers_replace(h, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace(h, "X-Frame-Options", "DENY");
  soup_message_headers_replace(h, "Referrer-Policy", "strict-origin-when-cross-origin");
  soup_message_headers_replace(h, "Content-Security-Policy", content_security_policy_.c_str());
  soup_message_headers_replace(h, "Permissions-Policy", "camera=(self), microphone=(self), display-capture=(self)");
  if (tls) soup_message_headers_replace(h, "Strict-Transport-Security", "max-age=31536000; includeSubDomains");
}

void Protections::compress(Exchange& ex) {
  if (ex.method() == "HEAD" || !accepts_gzip(ex.header("Accept-Encoding"))) return;
  SoupServerMessage* msg = ex.message();
  SoupMessageHeaders* out = soup_server_message_get_response_headers(msg);
  if (soup_message_headers_get_one(out, "Content-Encoding")) return;
  if (!compressible(soup_message_headers_get_content_type(out, nullptr))) return;
  SoupMessageBody* body = soup_server_message_get_response_body(msg);
  g_autoptr(GBytes) plain = soup_message_body_flatten(body);
  if (g_bytes_get_size(plain) < kCompressAbove) return;

  g_autoptr(GZlibCompressor) gz = g_zlib_compressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable();
  g_autoptr(GOutputStream) zout = g_converter_output_stream_new(memory, G_CONVERTER(gz));
  gsize written = 0;
  if (!g_output_stream_write_all(zout, g_bytes_get_data(plain, nullptr), g_bytes_get_size(plain), &written, nullptr,
                                 nullptr) ||
      !g_output_stream_close(zout, nullptr, nullptr))
    return;  // send it uncompressed
  g_autoptr(GBytes) packed = g_memory_output_stream_steal_as_bytes(G_MEMORY_OUTPUT_STREAM(memory));
  soup_message_body_truncate(body);
  soup_message_body_append_bytes(body, packed);
  soup_message_headers_replace(out, "Content-Encoding", "gzip");
  soup_message_headers_append(out, "Vary", "Accept-Encoding");
}

}  // namespace convene::http
