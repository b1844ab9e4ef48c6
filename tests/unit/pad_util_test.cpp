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
  int changes() const { return changes_.load(); }
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

// Calls `look` at least `times` times, and on until `changer` has changed the
// bin `min_changes` times: on a loaded machine its thread may not even have
// started before the first few thousand looks are over. (Within 30 s: a test
// of overlap, not of speed.)
template <class Look>
void look_while_changing(const BinChanger& changer, int times, int min_changes, Look look) {
  const gint64 give_up = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
  for (int i = 0; i < times || (changer.changes() < min_changes && g_get_monotonic_time() < give_up); ++i) look();
}

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
  int looks = 0, missed = 0;
  look_while_changing(changer, 20000, 1000, [&] {
    g_autoptr(GstElement) found = child_by_factory(GST_BIN(bin), "fakesink");
    ++looks;
    if (!found) ++missed;
  });
  const int changes = changer.stop();
  EXPECT_GE(changes, 1000) << "the bin changed during the looks";
  EXPECT_EQ(missed, 0) << "of " << looks << " looks, while the bin changed " << changes << " times";
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
  int walks = 0, wrong = 0;
  look_while_changing(changer, 5000, 1000, [&] {
    ++walks;
    if (descendants_by_factory(GST_BIN(outer), "fakesink").size() != 4) ++wrong;
  });
  const int changes = changer.stop();
  EXPECT_GE(changes, 1000) << "the bin changed during the walks";
  EXPECT_EQ(wrong, 0) << "of " << walks << " walks, while the bin changed " << changes << " times";
  EXPECT_TRUE(descendants_by_factory(GST_BIN(outer), "tee").empty());
}

}  // namespace
}  // namespace convene::media
