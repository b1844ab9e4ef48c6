// The [media] section of the config as the SFU's settings (media itself
// does not read the config).
//
// Threads: main loop.
#pragma once

#include "config/config.h"
#include "media/media_settings.h"

namespace convene::app {

media::MediaSettings media_settings(const config::Config& config);

}  // namespace convene::app
