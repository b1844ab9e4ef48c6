#include "ingest/ingest_log.h"

GST_DEBUG_CATEGORY(convene_ingest_debug);

namespace convene::ingest {

void ingest_log_init() {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(convene_ingest_debug, "convene-ingest", 0, "Convene WHIP and SRT ingest");
    g_once_init_leave(&once, 1);
  }
}

}  // namespace convene::ingest
