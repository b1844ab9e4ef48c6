// SelectedUdpPath between two real libnice agents over 127.0.0.1: no path
// before ICE has selected a pair (the caller then uses libnice); once one is
// selected — learnt from the agent's own signals — what is sent on the path
// arrives at the other agent whole and in order, as libnice's own send would
// deliver it.
#include <gtest/gtest.h>
#include <nice/agent.h>

#include <string>

#include "media/selected_udp_path.h"
#include "nice_agent_on_thread.h"

namespace {

using convene::media::SelectedUdpPath;
using convene::test::AgentOnThread;
using convene::test::wait_until;

std::string numbered(int i) { return "datagram " + std::to_string(i) + std::string(200, 'y'); }

bool send(SelectedUdpPath& path, const std::string& bytes) {
  return path.send(reinterpret_cast<const guint8*>(bytes.data()), bytes.size());
}

TEST(SelectedUdpPath, FollowsTheAgentFromNoPairToTheSelectedOneAndDeliversInOrder) {
  AgentOnThread sender(true), receiver(false);
  receiver.keep_received();
  sender.receive_nothing();
  SelectedUdpPath path(sender.agent(), sender.stream(), 1);
  EXPECT_FALSE(path.ready()) << "nothing is selected before ICE";
  EXPECT_FALSE(send(path, numbered(-1))) << "the caller is told to use libnice";

  sender.gather();
  receiver.gather();
  ASSERT_TRUE(wait_until([&] { return sender.gathered() && receiver.gathered(); })) << "gathering on 127.0.0.1";
  sender.tell(receiver);
  receiver.tell(sender);
  ASSERT_TRUE(wait_until([&] { return sender.state() == NICE_COMPONENT_STATE_READY; })) << "ICE over 127.0.0.1";
  ASSERT_TRUE(wait_until([&] { return path.ready(); })) << "the selected pair, learnt from the agent's signals";

  for (int i = 0; i < 100; ++i) ASSERT_TRUE(send(path, numbered(i))) << "datagram " << i;
  ASSERT_TRUE(wait_until([&] { return receiver.received().size() >= 100; }))
      << receiver.received().size() << " of 100 arrived";
  const auto received = receiver.received();
  ASSERT_EQ(received.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(received[i], numbered(i)) << "datagram " << i;
  EXPECT_EQ(path.packets_sent(), 100u);
}

TEST(SelectedUdpPath, ANewPathForAnAgentAlreadyConnectedIsReadyAtOnce) {
  AgentOnThread sender(true), receiver(false);
  receiver.keep_received();
  sender.receive_nothing();
  sender.gather();
  receiver.gather();
  ASSERT_TRUE(wait_until([&] { return sender.gathered() && receiver.gathered(); }));
  sender.tell(receiver);
  receiver.tell(sender);
  ASSERT_TRUE(wait_until([&] { return sender.state() == NICE_COMPONENT_STATE_READY; }));
  SelectedUdpPath path(sender.agent(), sender.stream(), 1);
  EXPECT_TRUE(path.ready()) << "read from the agent when made (a DirectSender starts after DTLS, so after ICE)";
  ASSERT_TRUE(send(path, numbered(7)));
  ASSERT_TRUE(wait_until([&] { return receiver.received().size() == 1; }));
  EXPECT_EQ(receiver.received()[0], numbered(7));
}

}  // namespace
