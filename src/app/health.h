#pragma once

#include "app/app.h"

namespace convene::app {

// GET /health: liveness plus a real round trip to the database.
class HealthModule final : public util::Module {
 public:
  explicit HealthModule(App& app);

 private:
  App& app_;
};

}  // namespace convene::app
