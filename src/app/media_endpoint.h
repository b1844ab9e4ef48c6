// GET /rooms/:id/media: what a room's media carries now (members only). The
// composition root serves it from media's read accessors, so media itself
// needs neither HTTP nor the store.
//
// Threads: main loop.
#pragma once

#include "auth/authenticator.h"
#include "http/server.h"
#include "media/media_module.h"
#include "store/store.h"

namespace convene::app {

void route_media_description(http::Server& http, store::Store& store, const auth::Authenticator& authenticator,
                             const media::MediaModule& media);

}  // namespace convene::app
