// The real App for in-process harnesses: a fresh data directory with its
// own SQLite store, HTTP on an ephemeral loopback port, rate limits and
// captcha off. Started once per process, on the calling thread's default
// main context, and never torn down (libFuzzer ends the process).
#pragma once

#include <functional>

#include "app/app.h"

namespace convene::fuzz {

// gst_init, Convene's log categories and libsodium (once).
void init_process();
// The started App. `tune` may set config keys before it starts.
app::App& app(const std::function<void(config::Config&)>& tune = {});
// Runs the default main context until `done` holds or `timeout_ms` passed.
bool pump_until(const std::function<bool()>& done, int timeout_ms);
// Returns once the store finished everything queued so far (its
// completions have run on the main loop).
void drain_store();

}  // namespace convene::fuzz
