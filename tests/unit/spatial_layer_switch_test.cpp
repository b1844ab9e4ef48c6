// Spatial layer switching decisions, table by table.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "spatial_layer_switch.h"

using convene::rtp::SpatialLayerSwitch;

namespace {

constexpr int kNone = SpatialLayerSwitch::kNone;

// One step of a subscriber's life: an operation, then what the switch says.
// Packets: "key L" / "delta L" (a packet of layer L). Controls: "target L",
// "pause", "resume", "add L", "remove L", "restart".
struct Step {
  std::string op;
  int arg;
  // For packets: "F" forwarded, "S" forwarded and starts its layer, "-" dropped.
  // For controls: ignored.
  const char* verdict;
  int current;  // after the step
  int awaited;  // after the step
};

void run(const char* name, SpatialLayerSwitch& s, const std::vector<Step>& steps) {
  for (size_t i = 0; i < steps.size(); ++i) {
    const Step& st = steps[i];
    const std::string where = std::string(name) + " step " + std::to_string(i) + " (" + st.op + " " +
                              std::to_string(st.arg) + ")";
    if (st.op == "key" || st.op == "delta") {
      const SpatialLayerSwitch::Decision d = s.on_packet(st.arg, st.op == "key");
      const char* got = !d.forward ? "-" : (d.starts ? "S" : "F");
      EXPECT_STREQ(got, st.verdict) << where;
      if (d.forward) {
        EXPECT_EQ(s.current(), st.arg) << where << ": only the current layer goes out";
      }
    } else if (st.op == "target") {
      s.set_target(st.arg);
    } else if (st.op == "pause") {
      s.set_paused(true);
    } else if (st.op == "resume") {
      s.set_paused(false);
    } else if (st.op == "add") {
      s.add_layer(st.arg);
    } else if (st.op == "remove") {
      s.remove_layer(st.arg);
    } else if (st.op == "restart") {
      s.restart();
    } else {
      ADD_FAILURE() << "unknown op " << st.op;
    }
    EXPECT_EQ(s.current(), st.current) << where << ": current";
    EXPECT_EQ(s.awaited(), st.awaited) << where << ": awaited";
  }
}

SpatialLayerSwitch three_layers() {
  SpatialLayerSwitch s;
  for (int l = 0; l < SpatialLayerSwitch::kMaxLayers; ++l) s.add_layer(l);
  return s;
}

}  // namespace

TEST(SpatialLayerSwitch, StartsAtTheTargetsKeyframeAndSwitchesOnlyAtOne) {
  SpatialLayerSwitch s = three_layers();
  run("up and down", s, {
      {"delta", 0, "-", kNone, 0},   // nothing before a keyframe of the target
      {"key", 1, "-", kNone, 0},     // another layer's keyframe is no use
      {"key", 0, "S", 0, kNone},
      {"delta", 0, "F", 0, kNone},
      {"delta", 1, "-", 0, kNone},
      {"target", 2, "", 0, 2},       // switch up pending
      {"delta", 2, "-", 0, 2},
      {"delta", 0, "F", 0, 2},       // the current layer flows meanwhile
      {"key", 1, "-", 0, 2},
      {"key", 2, "S", 2, kNone},     // the switch
      {"delta", 0, "-", 2, kNone},   // the old layer stops at once
      {"delta", 2, "F", 2, kNone},
      {"target", 1, "", 2, 1},       // switch down: also at a keyframe
      {"delta", 1, "-", 2, 1},
      {"delta", 2, "F", 2, 1},
      {"key", 1, "S", 1, kNone},
      {"delta", 2, "-", 1, kNone},
      {"target", 1, "", 1, kNone},   // the same target again: nothing to do
      {"key", 1, "F", 1, kNone},     // a keyframe of the current layer is just a packet
  });
  EXPECT_EQ(s.switches(), 2u);
}

TEST(SpatialLayerSwitch, ATargetChangedBackBeforeItsKeyframeCancelsTheSwitch) {
  SpatialLayerSwitch s = three_layers();
  run("cancel", s, {
      {"key", 0, "S", 0, kNone},
      {"target", 2, "", 0, 2},
      {"target", 0, "", 0, kNone},
      {"key", 2, "-", 0, kNone},
      {"delta", 0, "F", 0, kNone},
      {"target", 2, "", 0, 2},
      {"target", 1, "", 0, 1},       // a new target replaces the pending one
      {"key", 2, "-", 0, 1},
      {"key", 1, "S", 1, kNone},
  });
  EXPECT_EQ(s.switches(), 1u);
}

TEST(SpatialLayerSwitch, PausedForwardsNothingAndResumesAtTheTargetsKeyframe) {
  SpatialLayerSwitch s = three_layers();
  run("pause", s, {
      {"target", 1, "", kNone, 1},
      {"key", 1, "S", 1, kNone},
      {"pause", 0, "", kNone, kNone},  // nothing awaited while paused: no keyframe requests
      {"key", 1, "-", kNone, kNone},
      {"key", 0, "-", kNone, kNone},
      {"target", 2, "", kNone, kNone},
      {"resume", 0, "", kNone, 2},
      {"delta", 2, "-", kNone, 2},
      {"delta", 1, "-", kNone, 2},     // the old layer does not come back without a keyframe
      {"key", 2, "S", 2, kNone},
      {"pause", 0, "", kNone, kNone},
      {"resume", 0, "", kNone, 2},
      {"key", 2, "S", 2, kNone},       // the same layer again starts anew (the rewriter remaps it)
  });
  EXPECT_EQ(s.switches(), 1u) << "pausing and resuming on one layer is no switch";
  EXPECT_TRUE(!s.paused());
}

TEST(SpatialLayerSwitch, TheCurrentLayerGoingAwayWaitsForTheTargetsKeyframe) {
  SpatialLayerSwitch s = three_layers();
  run("released", s, {
      {"target", 1, "", kNone, 1},
      {"key", 1, "S", 1, kNone},
      {"remove", 1, "", kNone, 0},     // the nearest present layer serves target 1: lower first
      {"delta", 1, "-", kNone, 0},
      {"delta", 0, "-", kNone, 0},
      {"key", 2, "-", kNone, 0},
      {"key", 0, "S", 0, kNone},
      {"add", 1, "", 0, 1},            // the target's pad is back: switch up to it
      {"key", 1, "S", 1, kNone},
      {"remove", 0, "", 1, kNone},     // another layer going away changes nothing
      {"delta", 1, "F", 1, kNone},
      {"remove", 1, "", kNone, 2},
      {"remove", 2, "", kNone, kNone}, // no layer left
      {"key", 2, "-", kNone, kNone},
  });
}

TEST(SpatialLayerSwitch, ATrackWithFewerLayersIsServedByTheNearest) {
  struct Case {
    std::vector<int> present;
    int target;
    int wanted;
  };
  const std::vector<Case> cases = {
      {{0, 1, 2}, 2, 2}, {{0, 1}, 2, 1}, {{0}, 2, 0}, {{1}, 0, 1}, {{0, 2}, 1, 0},
      {{2}, 1, 2},       {{1, 2}, 0, 1}, {{}, 1, kNone},
  };
  for (const Case& c : cases) {
    SpatialLayerSwitch s;
    for (int l : c.present) s.add_layer(l);
    s.set_target(c.target);
    EXPECT_EQ(s.wanted(), c.wanted) << "target " << c.target << " with " << c.present.size() << " layers";
  }
}

TEST(SpatialLayerSwitch, RestartWaitsForTheTargetAgainAndOutOfRangeIsClamped) {
  SpatialLayerSwitch s = three_layers();
  run("restart", s, {
      {"key", 0, "S", 0, kNone},
      {"restart", 0, "", kNone, 0},
      {"delta", 0, "-", kNone, 0},
      {"key", 0, "S", 0, kNone},
      {"key", 7, "-", 0, kNone},       // no such layer
      {"delta", -1, "-", 0, kNone},
  });
  s.set_target(9);
  EXPECT_EQ(s.target(), SpatialLayerSwitch::kMaxLayers - 1);
  s.set_target(-3);
  EXPECT_EQ(s.target(), 0);
  EXPECT_FALSE(s.has_layer(3));
  EXPECT_FALSE(s.has_layer(-1));
}
