#include "app/app.h"

#include <glib-unix.h>
#include <glib/gstdio.h>

#include <cstring>
#include <stdexcept>

#include "app/health.h"
#include "app/media_config.h"
#include "app/media_endpoint.h"
#include "auth/auth_module.h"
#include "cluster/cluster_module.h"
#include "ingest/ingest_module.h"
#include "media/media_metrics.h"
#include "media/media_module.h"
#include "meeting/meeting_module.h"
#include "metrics/metrics_module.h"
#include "playback/playback_module.h"
#include "recording/recording_module.h"
#include "rooms/rooms_module.h"
#include "signaling/signaling_module.h"
#include "convene-build-config.h"
#include "store/migrator.h"
#include "util/log.h"
#include "util/random.h"

#define GST_CAT_DEFAULT convene_app_debug

namespace convene::app {

namespace {

// The SFU among the app's modules: media does not know the app, so its
// place in start-up, shutdown and teardown order is kept by this adapter.
class MediaHost final : public util::Module {
 public:
  explicit MediaHost(std::unique_ptr<media::MediaModule> media) : media_(std::move(media)) {}
  media::MediaModule& media() { return *media_; }
  void shutdown(std::function<void()> done) override {
    media_->shutdown();
    done();
  }

 private:
  std::unique_ptr<media::MediaModule> media_;
};

// Adds a module to `modules` and returns it, typed.
template <class M>
M* keep(std::vector<std::unique_ptr<util::Module>>& modules, std::unique_ptr<M> module) {
  M* typed = module.get();
  modules.push_back(std::move(module));
  return typed;
}

}  // namespace

std::string database_url(const config::Config& config) {
  std::string url = config.get_string("database", "url");
  if (!url.empty()) return url;
  g_autofree char* path = g_build_filename(config.get_string("server", "data_dir").c_str(), "convene.db", nullptr);
  return std::string("sqlite:") + path;
}

App::App(config::Config config) : config_(std::move(config)) {
  std::string log_format = config_.get_string("log", "format");
  if (log_format == "json")
    log::use_json_lines();
  else if (log_format != "text")
    throw config::Error("[log] format must be text or json, not '" + log_format + "'");
  g_autofree char* abs = g_canonicalize_filename(config_.get_string("server", "data_dir").c_str(), nullptr);
  data_dir_ = abs;
  loop_ = g_main_loop_new(nullptr, FALSE);
  started_us_ = g_get_monotonic_time();
}

App::~App() {
  // Modules hold references into the server and store: drop them first,
  // newest first (recording uses signaling and media, signaling uses media...),
  // after the listeners wired between them and the collectors that read them.
  for (uint64_t id : metrics_collectors_) metrics_->registry.remove_collector(id);
  wiring_.clear();
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
  // Cluster mode is refused before anything opens when it cannot work (SQLite).
  cluster::ClusterSettings cluster_settings =
      cluster::read_cluster_settings(config_, database_url(config_), data_dir_, config_.get_string("server", "public_url"));
  node_id_ = cluster_settings.node_id;

  store::StoreOptions so;
  so.url = database_url(config_);
  so.pool_size = static_cast<int>(config_.get_int("database", "pool_size"));
  so.connect_timeout_sec = static_cast<int>(config_.get_int("database", "connect_timeout_sec"));
  std::string sqlite_path;
  std::string backend = store::Store::backend_of(so.url, &sqlite_path) == store::Backend::Sqlite ? "sqlite"
                                                                                                 : "postgresql";
  metrics::Histogram& unit_duration = metrics_->store_unit_duration.with({backend});
  metrics::Counter& unit_errors = metrics_->store_unit_errors.with({backend});
  so.on_unit = [&unit_duration, &unit_errors](double seconds, bool failed) {
    unit_duration.observe(seconds);
    if (failed) unit_errors.inc();
  };
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

  // The composition root: each module gets what it uses through its
  // constructor, and dependencies point one way (see docs/architecture.md):
  // recording → signaling → media; signaling, recording → rooms → auth.
  keep(modules_, std::make_unique<HealthModule>(*this));
  keep(modules_, std::make_unique<metrics::MetricsModule>(config_, *http_, *metrics_));
  metrics_collectors_.push_back(metrics_->registry.add_collector(media::collect_media_metrics));
  http::PublicUrlOf public_url_of = [this](const http::Exchange& request) { return public_url(request); };
  auth_ = keep(modules_, std::make_unique<auth::AuthModule>(config_, *store_, *http_, secret_, public_url_of));
  const auth::Authenticator& authenticator = auth_->authenticator();
  rooms_ = keep(modules_, std::make_unique<rooms::RoomsModule>(config_, *store_, *http_, authenticator));
  meeting_ = keep(modules_, std::make_unique<meeting::MeetingModule>(config_, *store_, *http_, authenticator,
                                                                          public_url_of, public_url()));
  // The SFU needs only its settings; the others reach it through its API.
  media_ = &keep(modules_, std::make_unique<MediaHost>(std::make_unique<media::MediaModule>(media_settings(config_))))
                ->media();
  route_media_description(*http_, *store_, authenticator, *media_);
  signaling_ = keep(modules_, std::make_unique<signaling::SignalingModule>(config_, *http_, *store_, *rooms_, meeting_,
                                                                          media_, *metrics_));
  recording_ = keep(modules_, std::make_unique<recording::RecordingModule>(recording::RecordingModule::Collaborators{
                                  config_, data_dir_, *store_, *http_, authenticator, store_ready_, media_,
                                  signaling_, rooms_, metrics_.get()}));
  keep(modules_, std::make_unique<ingest::IngestModule>(ingest::IngestModule::Collaborators{
                     config_, *store_, *http_, authenticator,
                     public_url_of, signaling_, media_,
                     rooms_}));
  keep(modules_, std::make_unique<playback::PlaybackModule>(playback::PlaybackModule::Collaborators{
                     config_, *store_, *http_, authenticator, media_settings(config_), media_, recording_, rooms_}));
  if (cluster_settings.enabled) {
    cluster_ = keep(modules_, std::make_unique<cluster::ClusterModule>(cluster::ClusterModule::Collaborators{
                                  cluster_settings, store_->url(), *store_, *http_, authenticator, auth_->tokens(),
                                  *rooms_, *signaling_, [this](const char* reason) { shutdown(reason); },
                                  [this](const std::string& room_id) { recording_->end_room(room_id); }}));
  }
  // Reminders reach users' open connections (on any node of a cluster);
  // rooms the janitor ends close live.
  meeting_->set_notifier(cluster_ ? static_cast<meeting::UserNotifier*>(cluster_) : signaling_);
  meeting_->set_room_ended_listener([rooms = rooms_](const std::string& room_id) { rooms->announce_room_ended(room_id); });
  // Signing out closes the user's open WebSockets (auth does not know signaling).
  wiring_.push_back(auth_->add_signed_out_listener([signaling = signaling_](const std::string& user_id) {
    signaling->close_user_connections(user_id, signaling::SignalingModule::kSignedOutCloseCode, "signed out");
  }));

  http_->listen();
  // Where clients reach this node: configured, or the address it listens on.
  if (cluster_) cluster_->start(public_url());

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
  // A cluster node first moves its calls to other nodes (no meeting ends).
  if (cluster_) return cluster_->drain([this] { stop_modules(); });
  stop_modules();
}

void App::stop_modules() {

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
  std::vector<util::Module*> mods;
  for (auto& m : modules_) mods.push_back(m.get());
  for (util::Module* m : mods) m->shutdown(one_done);
}

void App::finish_shutdown() {
  if (store_) store_->close();
  GST_INFO("shutdown complete");
  g_main_loop_quit(loop_);
}

}  // namespace convene::app
