// Makes a vp8enc encode three temporal layers the way browsers do with
// scalabilityMode "L1T3": a period of four frames with layer ids 0, 2, 1, 2
// (7.5, 15 and 30 fps at 30 fps in), the upper layers never referenced by
// lower ones, and the first layer-1 and layer-2 frame of each period
// marked as layer sync points. rtpvp8pay writes TID, Y and TL0PICIDX from it.
#pragma once

#include <gst/gst.h>

namespace convene::testing {

// `bitrate`: the whole stream's, in bits per second (base layer 40 %, base
// and layer 1 60 %).
void configure_vp8_temporal_layers(GstElement* vp8enc, int bitrate = 600000);

// The same for every vp8enc inside `bin`.
void configure_vp8_temporal_layers_in(GstBin* bin, int bitrate = 600000);

}  // namespace convene::testing
