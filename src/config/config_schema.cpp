// Every configuration key, its type, default and meaning. config/convene.ini
// documents the same keys; tests/unit/config_test.cpp checks the two agree.
#include "config/config.h"

namespace convene::config {

const std::vector<KeySpec>& schema() {
  static const std::vector<KeySpec> keys = {
      // [server]
      {"server", "host", Type::String, "127.0.0.1", "Address to listen on (0.0.0.0 for all IPv4)."},
      {"server", "port", Type::Int, "8080", "TCP port for HTTP and WebSocket; 0 picks a free one."},
      {"server", "data_dir", Type::String, "./var",
       "Where the SQLite database, the generated secret and recordings live."},
      {"server", "static_dir", Type::String, "",
       "Directory of the built browser client; empty uses the one built from web/."},
      {"server", "max_body_bytes", Type::Int, "4194304",
       "Largest request body accepted; larger ones get 413 before being read."},
      {"server", "shutdown_timeout_sec", Type::Int, "10",
       "How long SIGTERM waits for media and recordings to finish."},
      {"server", "public_url", Type::String, "",
       "How users reach this server (for links in e-mails); empty derives it from host and port."},
      {"server", "tls_cert", Type::String, "", "PEM certificate file: serve HTTPS and WSS directly."},
      {"server", "tls_key", Type::String, "", "PEM private key file for tls_cert."},
      // [database]
      {"database", "url", Type::String, "",
       "sqlite:PATH or postgresql://...; empty means sqlite:<data_dir>/convene.db."},
      {"database", "pool_size", Type::Int, "4",
       "Connections (and worker threads) for PostgreSQL; SQLite always uses one writer."},
      {"database", "connect_timeout_sec", Type::Int, "5",
       "How long a PostgreSQL connection attempt may take."},
      // [auth]
      {"auth", "secret", Type::String, "",
       "Token-signing secret; empty reads (or creates once) <data_dir>/secret.key."},
      {"auth", "access_ttl_sec", Type::Int, "900", "Lifetime of an access token."},
      {"auth", "refresh_ttl_sec", Type::Int, "604800", "Lifetime of a refresh token (rotated on every use)."},
      {"auth", "captcha", Type::Bool, "true", "Require the math captcha on register and login."},
      {"auth", "cors_origins", Type::StringList, "", "Origins allowed to call the API from a browser (CORS)."},
      {"auth", "oauth_success_redirect", Type::String, "/", "Where a browser goes after signing in with OAuth."},
      // [oauth]: a provider is on when its client id is set.
      {"oauth", "google_client_id", Type::String, "", "Google OAuth client id."},
      {"oauth", "google_client_secret", Type::String, "", "Google OAuth client secret."},
      {"oauth", "discord_client_id", Type::String, "", "Discord OAuth client id."},
      {"oauth", "discord_client_secret", Type::String, "", "Discord OAuth client secret."},
      {"oauth", "oidc_id", Type::String, "sso", "Path name of the generic OIDC provider: /auth/<oidc_id>."},
      {"oauth", "oidc_name", Type::String, "Single sign-on", "Button label of the generic OIDC provider."},
      {"oauth", "oidc_client_id", Type::String, "", "Generic OIDC client id."},
      {"oauth", "oidc_client_secret", Type::String, "", "Generic OIDC client secret."},
      {"oauth", "oidc_authorize_url", Type::String, "", "Generic OIDC authorization endpoint."},
      {"oauth", "oidc_token_url", Type::String, "", "Generic OIDC token endpoint."},
      {"oauth", "oidc_userinfo_url", Type::String, "", "Generic OIDC userinfo endpoint."},
      {"oauth", "oidc_scope", Type::String, "openid email profile", "Scopes asked of the generic OIDC provider."},
      // [ratelimit]: per client IP, 429 with Retry-After.
      {"ratelimit", "enabled", Type::Bool, "true", "Apply the rate limits below."},
      {"ratelimit", "global_per_min", Type::Int, "200", "Requests per minute per client IP, all endpoints."},
      {"ratelimit", "auth_per_15min", Type::Int, "10", "Sign-in and sign-up attempts per 15 minutes per IP."},
      {"ratelimit", "ai_per_min", Type::Int, "20", "AI requests (/ai/*) per minute per IP."},
      {"ratelimit", "room_create_per_min", Type::Int, "15", "Rooms created per minute per IP."},
      {"ratelimit", "ai_per_user_per_min", Type::Int, "20", "AI requests per minute per signed-in user."},
      // [rooms]
      {"rooms", "default_max_participants", Type::Int, "50", "Participant limit of a new room unless it asks."},
      {"rooms", "whiteboard_max_strokes", Type::Int, "5000", "Strokes a room's whiteboard keeps for late joiners."},
      {"rooms", "chat_max_chars", Type::Int, "4000", "Longest text chat message."},
      {"rooms", "chat_image_max_bytes", Type::Int, "2097152", "Largest chat image (the data: URL's decoded size)."},
      {"rooms", "chat_history", Type::Int, "50", "Chat messages sent to a peer when it joins."},
      {"rooms", "reactions", Type::StringList, "👍, 🎉, ❤️, 😂, 🔥, 👏", "Emoji accepted as reactions."},
      // [signaling]
      {"signaling", "ping_interval_sec", Type::Int, "30",
       "WebSocket ping interval; a connection that misses two pongs is dropped."},
      {"signaling", "max_message_bytes", Type::Int, "262144", "Largest WebSocket message; larger ones close with 1009."},
      {"signaling", "max_messages_per_sec", Type::Double, "50", "Sustained message rate per connection."},
      {"signaling", "message_burst", Type::Double, "200", "Messages a connection may send in a burst before the rate applies."},
      // [ice]
      {"ice", "stun_urls", Type::StringList, "", "STUN servers for clients, e.g. stun:stun.example.org:3478."},
      {"ice", "turn_urls", Type::StringList, "", "TURN servers, e.g. turn:turn.example.org:3478?transport=udp."},
      {"ice", "turn_secret", Type::String, "", "The TURN server's static-auth-secret (coturn use-auth-secret)."},
      {"ice", "turn_ttl_sec", Type::Int, "86400", "Lifetime of the TURN credentials handed to a client."},
      // [media]
      {"media", "ice_addresses", Type::StringList, "",
       "Local addresses the SFU gathers ICE candidates on; empty = all interfaces (127.0.0.1 for tests)."},
      {"media", "announced_ip", Type::String, "",
       "Public address announced in the SFU's host candidates (a server behind 1:1 NAT); empty = as gathered."},
      {"media", "min_port", Type::Int, "0", "Lowest UDP port for media (0 with max_port 0: any port)."},
      {"media", "max_port", Type::Int, "0", "Highest UDP port for media."},
      {"media", "stun_server", Type::String, "", "stun://host:port the SFU asks for its reflexive address."},
      {"media", "jitter_latency_ms", Type::Int, "50",
       "How long the SFU's receive jitter buffers wait for a lost packet (webrtcbin's latency)."},
      {"media", "video_codec", Type::String, "VP8", "Video codec of group calls: VP8 or H264."},
      {"media", "answer_timeout_sec", Type::Int, "10",
       "Seconds a subscriber may take to answer a subscribe-offer before it is sent again."},
      {"media", "publish_connect_timeout_sec", Type::Int, "15",
       "Seconds a publish connection may take to connect (ICE and DTLS) before it is freed and its client told."},
      {"media", "speaker_threshold_db", Type::Double, "-50", "Audio level (dBov) under which nobody is speaking."},
      // [smtp]
      {"smtp", "url", Type::String, "", "smtp://host:587 or smtps://host:465; empty turns e-mail off."},
      {"smtp", "user", Type::String, "", "SMTP user name (empty: no authentication)."},
      {"smtp", "password", Type::String, "", "SMTP password."},
      {"smtp", "from", Type::String, "Convene <noreply@localhost>", "Sender of Convene's e-mails."},
      {"smtp", "starttls", Type::String, "auto", "auto (use when offered), always (require) or never."},
      {"smtp", "timeout_sec", Type::Int, "20", "How long one SMTP delivery may take."},
      // [ai]
      {"ai", "provider", Type::String, "local",
       "local (extractive, no network) or openai-compatible (any chat-completions endpoint)."},
      {"ai", "url", Type::String, "", "Base URL of the chat-completions API, e.g. http://127.0.0.1:11434/v1."},
      {"ai", "model", Type::String, "", "Model name sent to the provider."},
      {"ai", "api_key", Type::String, "", "Bearer key for the provider (empty: none)."},
      {"ai", "timeout_sec", Type::Int, "30", "How long a provider call may take."},
      // [meeting]
      {"meeting", "reminder_minutes", Type::StringList, "15, 5", "Reminders before scheduled meetings, in minutes."},
      {"meeting", "reminder_check_sec", Type::Int, "30", "How often due reminders are looked for."},
      {"meeting", "idle_end_min", Type::Int, "30", "Instant meetings idle this long are ended."},
      {"meeting", "idle_check_sec", Type::Int, "60", "How often idle instant meetings are looked for."},
      {"meeting", "breakout_warning_sec", Type::Int, "60", "Warning before timed breakout rooms close."},
      // [recording]: composite recording and RTMP/HLS egress.
      {"recording", "enabled", Type::Bool, "true", "Allow server-side recording and egress."},
      {"recording", "pipelines_dir", Type::String, "",
       "Directory of the *.pipeline descriptions; empty uses the ones installed with Convene."},
      {"recording", "directory", Type::String, "", "Where recordings are written; empty is <data_dir>/recordings."},
      {"recording", "format", Type::String, "webm", "webm (VP8 + Opus) or mp4 (H.264 + AAC, fragmented)."},
      {"recording", "width", Type::Int, "1280", "Width of the composite picture."},
      {"recording", "height", Type::Int, "720", "Height of the composite picture."},
      {"recording", "framerate", Type::Int, "30", "Frames per second of the composite picture."},
      {"recording", "finalize_timeout_sec", Type::Int, "10", "How long a stopping recording may take to finish its file."},
      {"recording", "hls_directory", Type::String, "", "Where HLS segments are written; empty is <data_dir>/live."},
      {"recording", "rtmp_max_retries", Type::Int, "10",
       "Reconnection attempts after an RTMP receiver drops before the egress is FAILED (0: never give up)."},
      {"recording", "rtmp_max_backoff_sec", Type::Int, "30", "Longest wait between RTMP reconnection attempts."},
  };
  return keys;
}

}  // namespace convene::config
