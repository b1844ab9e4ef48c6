#include "app/health.h"

#include "convene-build-config.h"
#include "util/json.h"
#include "util/time.h"

namespace convene::app {

HealthModule::HealthModule(App& app) : app_(app) {
  app.http().route("GET", "/health", [this](http::ExchangePtr ex) {
    app_.store().run<bool>([](store::Connection& c) { return c.ping(); },
                           [this, ex](store::Outcome<bool> out) {
                             bool ok = out.ok() && out.value() && app_.store_ready();
                             json::Object body;
                             body.set("status", ok ? "ok" : "degraded")
                                 .set("uptime", (timeutil::monotonic_us() - app_.started_at_us()) / 1000000)
                                 .set("timestamp", timeutil::iso8601_from_ms(timeutil::now_ms()))
                                 .set("version", CONVENE_VERSION)
                                 .set("database", ok ? "ok" : "unavailable");
                             if (!app_.node_id().empty()) body.set("nodeId", app_.node_id());
                             ex->add_header("Cache-Control", "no-store");
                             ex->json(ok ? 200 : 503, std::move(body));
                           });
  });
}

}  // namespace convene::app
