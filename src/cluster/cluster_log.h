// The cluster module's debug category (convene-cluster), kept in the module
// so adding it touched no shared header.
#pragma once

#include <gst/gst.h>

GST_DEBUG_CATEGORY_EXTERN(convene_cluster_debug);

namespace convene::cluster {
// Registers the category (idempotent); the module calls it before logging.
void init_cluster_log();
}  // namespace convene::cluster
