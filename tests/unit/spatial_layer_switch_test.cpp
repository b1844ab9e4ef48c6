// Spatial layer switching decisions, table by table.
#include <gtest/gtest.h>

#include "spatial_layer_switch.h"

using convene::rtp::SpatialLayerSwitch;

TEST(SpatialLayerSwitch, Placeholder) { EXPECT_EQ(SpatialLayerSwitch().current(), SpatialLayerSwitch::kNone); }
