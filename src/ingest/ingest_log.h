// The ingest module's debug category, convene-ingest (registered by
// ingest_log_init, which IngestModule calls; idempotent).
#pragma once

#include <gst/gst.h>

GST_DEBUG_CATEGORY_EXTERN(convene_ingest_debug);

namespace convene::ingest {
void ingest_log_init();
}
