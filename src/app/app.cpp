#include "app/app.h"

#include <glib-unix.h>
#include <glib/gstdio.h>

#include <cstring>
#include <stdexcept>

#include "app/health.h"
#include "auth/auth_module.h"
#include "media/media_module.h"
#include "meeting/meeting_module.h"
#include "recording/recording_module.h"
#include "rooms/rooms_module.h"
#include "signaling/signaling_module.h"
#include "convene-build-config.h"
#include "store/migrator.h"
#include "util/log.h"
#include "util/random.h"

#define GST_CAT_DEFAULT convene_app_debug

namespace convene::app {

std::string database_url(const config::Config& config) {
  std::string url = config.get_string("database", "url");
  if (!url.empty()) return url;
  g_autofree char* path = g_build_filename(config.get_string("server", "data_dir").c_str(), "convene.db", nullptr);
  return std::string("sqlite:") + path;
}

App::App(config::Config config) : config_(std::move(config)) {
  g_autofree char* abs = g_canonicalize_filename(config_.get_string("server", "data_dir").c_str(), nullptr);
  data_dir_ = abs;
  loop_ = g_main_loop_new(nullptr, FALSE);
  started_us_ = g_get_monotonic_time();
}

App::~App() {
  // Modules hold references into the server and store: drop them first,
  // newest first (recording uses media, media uses signaling...).
  while (!modules_.empty()) modules_.pop_back();
  http_.reset();
  protections_.reset();
  if (store_) store_->close();
  if (migrate_retry_source_) g_source_remove(migrate_retry_source_);
  g_main_loop_unref(loop_);
}

void App::load_secret() {
  secret_ = config_.get_string("auth", "secret");
  if (!secret_.empty()) return;
  g_autofree char* path = g_build_filename(data_dir_.c_str(), "secret.key", nullptr);
  g_autofree char* contents = nullptr;
  if (g_file_get_contents(path, &contents, nullptr, nullptr) && strlen(g_strstrip(contents)) >= 32) {
    secret_ = contents;
    return;
  }
  // First start: make a secret of our own, readable only by this user.
  secret_ = random::hex_token(32);
  g_autoptr(GError) err = nullptr;
  if (!g_file_set_contents_full(path, secret_.c_str(), -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &err))
    throw std::runtime_error(std::string("cannot write ") + path + ": " + err->message);
  GST_INFO("generated a new signing secret in %s", path);
}

void App::migrate_or_retry() {
  store_->run<std::vector<int>>([](store::Connection& c) { return store::migrate(c); },
                                [this](store::Outcome<std::vector<int>> out) {
                                  if (out.ok()) {
                                    store_ready_ = true;
                                    GST_INFO("database ready (%zu migrations applied)", out.value().size());
                                    return;
                                  }
                                  GST_WARNING("database not ready: %s; retrying in 2 s", out.error().what());
                                  migrate_retry_source_ = g_timeout_add_seconds(2, [](gpointer self) -> gboolean {
                                    auto* app = static_cast<App*>(self);
                                    app->migrate_retry_source_ = 0;
                                    if (!app->shutting_down_) app->migrate_or_retry();
                                    return G_SOURCE_REMOVE;
                                  }, this);
                                });
}

void App::start() {
  if (g_mkdir_with_parents(data_dir_.c_str(), 0700) != 0)
    throw std::runtime_error("cannot create data directory " + data_dir_);
  load_secret();

  store::StoreOptions so;
  so.url = database_url(config_);
  so.pool_size = static_cast<int>(config_.get_int("database", "pool_size"));
  so.connect_timeout_sec = static_cast<int>(config_.get_int("database", "connect_timeout_sec"));
  store_ = std::make_unique<store::Store>(so);

  // Migrate before taking requests when the database answers; when it does
  // not (PostgreSQL still starting), serve 503s and keep trying.
  try {
    auto conn = store_->connect();
    store::migrate(*conn);
    store_ready_ = true;
  } catch (const store::Error& e) {
    if (e.kind != store::ErrorKind::Unavailable) throw;
    GST_WARNING("database unavailable at start: %s", e.what());
    migrate_or_retry();
  }

  http::ServerOptions ho;
  ho.host = config_.get_string("server", "host");
  ho.port = static_cast<int>(config_.get_int("server", "port"));
  ho.max_body_bytes = config_.get_int("server", "max_body_bytes");
  ho.header_timeout_sec = config_.get_int("server", "header_timeout_sec");
  ho.body_timeout_sec = config_.get_int("server", "body_timeout_sec");
  ho.keepalive_timeout_sec = config_.get_int("server", "keepalive_timeout_sec");
  ho.static_dir = config_.get_string("server", "static_dir");
  // The built client (web/dist) when there is one, else the placeholder page in web/.
  if (ho.static_dir.empty())
    ho.static_dir = g_file_test(CONVENE_DEFAULT_WEB_DIR, G_FILE_TEST_IS_DIR) ? CONVENE_DEFAULT_WEB_DIR
                                                                            : CONVENE_SOURCE_DIR "/web";
  ho.tls_cert_file = config_.get_string("server", "tls_cert");
  ho.tls_key_file = config_.get_string("server", "tls_key");
  ho.trusted_proxies = config_.get_list("server", "trusted_proxies");
  try {
    http_ = std::make_unique<http::Server>(ho);
  } catch (const std::invalid_argument& e) {
    throw config::Error(std::string("[server] trusted_proxies: ") + e.what());
  }

  http::ProtectionOptions po;
  po.rate_limits = config_.get_bool("ratelimit", "enabled");
  po.rules = {
      {"global", "", "", config_.get_int("ratelimit", "global_per_min"), 60'000},
      {"auth-login", "POST", "/auth/login", config_.get_int("ratelimit", "auth_per_15min"), 900'000},
      {"auth-register", "POST", "/auth/register", config_.get_int("ratelimit", "auth_per_15min"), 900'000},
      {"ai", "", "/ai/", config_.get_int("ratelimit", "ai_per_min"), 60'000},
      {"room-create", "POST", "/rooms", config_.get_int("ratelimit", "room_create_per_min"), 60'000},
  };
  po.cors_origins = config_.get_list("auth", "cors_origins");
  po.connect_src = config_.get_list("server", "csp_connect_src");
  protections_ = std::make_unique<http::Protections>(*http_, std::move(po));

  modules_.push_back(std::make_unique<HealthModule>(*this));
  modules_.push_back(std::make_unique<auth::AuthModule>(*this));
  modules_.push_back(std::make_unique<rooms::RoomsModule>(*this));
  modules_.push_back(std::make_unique<meeting::MeetingModule>(*this));
  modules_.push_back(std::make_unique<signaling::SignalingModule>(*this));
  // The SFU talks to peers through signaling, which routes media messages to it.
  auto* signaling = module<signaling::SignalingModule>();
  modules_.push_back(std::make_unique<media::MediaModule>(*this, *signaling));
  signaling->set_media_handler(module<media::MediaModule>());
  // Recording and egress take the SFU's tracks.
  modules_.push_back(std::make_unique<recording::RecordingModule>(*this, module<media::MediaModule>()));
  // Reminders reach users' open connections; rooms the janitor ends close live.
  module<meeting::MeetingModule>()->set_notifier(module<signaling::SignalingModule>());
  module<meeting::MeetingModule>()->set_room_ended_listener(
      [this](const std::string& room_id) { module<rooms::RoomsModule>()->announce_room_ended(room_id); });
  // Signing out closes the user's open WebSockets (auth does not know signaling).
  module<auth::AuthModule>()->add_signed_out_listener([signaling](const std::string& user_id) {
    signaling->close_user_connections(user_id, signaling::SignalingModule::kSignedOutCloseCode, "signed out");
  });

  http_->listen();

  g_unix_signal_add(SIGTERM, [](gpointer self) -> gboolean {
    static_cast<App*>(self)->shutdown("SIGTERM");
    return G_SOURCE_CONTINUE;
  }, this);
  g_unix_signal_add(SIGINT, [](gpointer self) -> gboolean {
    static_cast<App*>(self)->shutdown("SIGINT");
    return G_SOURCE_CONTINUE;
  }, this);
}

std::string App::public_url() const {
  std::string configured = config_.get_string("server", "public_url");
  if (!configured.empty()) return configured;
  return http_ ? http_->base_url() : std::string();
}

std::string App::public_url(const http::Exchange& request) const {
  std::string configured = config_.get_string("server", "public_url");
  if (!configured.empty()) return configured;
  // Behind a trusted reverse proxy the browser's scheme and host are the
  // public ones; a direct client's Host header is not trusted for links.
  const char* host = request.header("Host");
  if (request.forwarded() && host && *host && !strpbrk(host, "/\\@ \t"))
    return std::string(request.is_tls() ? "https" : "http") + "://" + host;
  return public_url();
}

int App::run() {
  g_main_loop_run(loop_);
  return exit_code_;
}

void App::shutdown(const char* reason) {
  if (shutting_down_) {
    GST_WARNING("%s again during shutdown; exiting now", reason);
    _exit(1);
  }
  shutting_down_ = true;
  GST_INFO("%s: shutting down", reason);
  http_->stop_listening();

  // Each module finishes in its own time, bounded by shutdown_timeout_sec.
  auto pending = std::make_shared<size_t>(modules_.size());
  auto finished = std::make_shared<bool>(false);
  auto one_done = [this, pending, finished] {
    if (*finished || --*pending > 0) return;
    *finished = true;
    finish_shutdown();
  };
  guint timeout = static_cast<guint>(std::max<int64_t>(1, config_.get_int("server", "shutdown_timeout_sec")));
  auto* timer_state = new std::function<void()>([this, finished] {
    if (*finished) return;
    *finished = true;
    GST_WARNING("modules did not finish within the shutdown timeout");
    finish_shutdown();
  });
  g_timeout_add_seconds_full(G_PRIORITY_DEFAULT, timeout, [](gpointer f) -> gboolean {
    (*static_cast<std::function<void()>*>(f))();
    return G_SOURCE_REMOVE;
  }, timer_state, [](gpointer f) { delete static_cast<std::function<void()>*>(f); });

  if (modules_.empty()) {
    one_done();
    return;
  }
  // Copy: a module's shutdown may complete synchronously.
  std::vector<Module*> mods;
  for (auto& m : modules_) mods.push_back(m.get());
  for (Module* m : mods) m->shutdown(one_done);
}

void App::finish_shutdown() {
  if (store_) store_->close();
  GST_INFO("shutdown complete");
  g_main_loop_quit(loop_);
}

}  // namespace convene::app
