#include "media/main_thread.h"

#include "util/log.h"
#include "util/main_context.h"

namespace convene::media {

void post_to_main(std::function<void()> fn) {
  post_to_context(g_main_context_default(), std::move(fn), convene_media_debug);
}

}  // namespace convene::media
