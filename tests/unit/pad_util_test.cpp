// pad_util's bin walks (child_by_factory, descendants_by_factory) while another
// thread changes the bin's children.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "media/pad_util.h"

namespace convene::media {
namespace {

// Adds and removes a child of `bin` in a loop on a thread of its own, as
// webrtcbin does to its bin while the main loop walks it.
class BinChanger {
 public:
  explicit BinChanger(GstElement* bin)
      : thread_([this, bin] {
          while (!stop_.load()) {
            GstElement* e = gst_element_factory_make("queue", nullptr);
            gst_bin_add(GST_BIN(bin), e);
            gst_bin_remove(GST_BIN(bin), e);
            changes_.fetch_add(1);
          }
        }) {}
  ~BinChanger() { stop(); }
  // Stops the thread; how many times the bin changed.
  int stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return changes_.load();
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> changes_{0};
  std::thread thread_;
};

// webrtcbin adds and removes elements on its own thread while the main loop
// looks for its rtpbin: a walk the bin's change interrupts (RESYNC) must
// still find the child that was there all along.
TEST(ChildByFactory, FindsAStableChildWhileAnotherThreadChangesTheBin) {
  g_autoptr(GstElement) bin = gst_bin_new("bin");
  // Some children before and after the one looked for, so walks take time.
  for (int i = 0; i < 8; ++i) gst_bin_add(GST_BIN(bin), gst_element_factory_make("identity", nullptr));
  gst_bin_add(GST_BIN(bin), gst_element_factory_make("fakesink", "wanted"));
  for (int i = 0; i < 8; ++i) gst_bin_add(GST_BIN(bin), gst_element_factory_make("identity", nullptr));

  BinChanger changer(bin);
  int missed = 0;
  constexpr int kLooks = 20000;
  for (int i = 0; i < kLooks; ++i) {
    g_autoptr(GstElement) found = child_by_factory(GST_BIN(bin), "fakesink");
    if (!found) ++missed;
  }
  const int changes = changer.stop();
  EXPECT_GT(changes, 0) << "the bin changed during the looks";
  EXPECT_EQ(missed, 0) << "of " << kLooks << " looks, while the bin changed " << changes << " times";
  g_autoptr(GstElement) none = child_by_factory(GST_BIN(bin), "tee");
  EXPECT_EQ(none, nullptr);
}

// webrtcbin keeps each session's rtpstorage two bins down and adds transport
// bins while the storage policy walks it: every storage must be found each
// time (gst_iterator_foreach gives up at the first interruption).
TEST(DescendantsByFactory, FindsEveryNestedOneWhileAnotherThreadChangesTheBin) {
  g_autoptr(GstElement) outer = gst_bin_new("outer");
  for (int b = 0; b < 3; ++b) {
    GstElement* inner = gst_bin_new(nullptr);
    for (int i = 0; i < 4; ++i) gst_bin_add(GST_BIN(inner), gst_element_factory_make("identity", nullptr));
    gst_bin_add(GST_BIN(inner), gst_element_factory_make("fakesink", nullptr));
    gst_bin_add(GST_BIN(outer), inner);
  }
  gst_bin_add(GST_BIN(outer), gst_element_factory_make("fakesink", nullptr));

  BinChanger changer(outer);
  int wrong = 0;
  constexpr int kWalks = 5000;
  for (int i = 0; i < kWalks; ++i)
    if (descendants_by_factory(GST_BIN(outer), "fakesink").size() != 4) ++wrong;
  const int changes = changer.stop();
  EXPECT_GT(changes, 0) << "the bin changed during the walks";
  EXPECT_EQ(wrong, 0) << "of " << kWalks << " walks, while the bin changed " << changes << " times";
  EXPECT_TRUE(descendants_by_factory(GST_BIN(outer), "tee").empty());
}

}  // namespace
}  // namespace convene::media
