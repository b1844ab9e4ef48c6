// Lets a webrtcbin's received packets skip its receive queue once the
// connection is up.
//
// webrtcbin (GStreamer 1.22) receives each transport through
// `nicesrc ! capsfilter ! queue ! dtlssrtpdec` (transportreceivebin). The
// queue is there for the connection's start: until ICE connects and the
// description is applied, transportreceivebin blocks the queue's output and
// makes the queue leaky, so that the receiver keeps reading its socket (the
// ICE checks come through it) while nothing flows on. (The receiver is
// `conveneicesrc` on the ICE agent's thread, which registers as "nicesrc" —
// or libnice's nicesrc on a thread of its own.) Afterwards the queue only
// hands each packet from the receiving thread to its own: one thread wake-up and
// context switch per received packet, and on an SFU's publish connection
// everything after it runs on the queue's thread (SRTP, rtpsession, the
// tee, every subscriber's send path). In a profile of a room of four the
// kernel's wake-up path was the largest single entry.
//
// The hand-off, a probe on the input of the capsfilter before the queue (or
// on the queue's, without one), chains each buffer straight into
// dtlssrtpdec's first element (past the capsfilter, which passes packets on
// unchanged once the caps are through, and dtlssrtpdec's ghost pad) on the
// receiving thread while the queue is in its pass mode
// (transportreceivebin sets `leaky` to none exactly then, and to downstream
// when it blocks again) and the queue holds no packet, and no sticky event
// the decoder has not got. Events still go through the queue, and packets
// follow them there until they are out, so nothing overtakes an event. When
// the connection blocks again (ICE lost), packets go back into the leaky
// queue, so the receiver never waits and ICE can recover.
//
// Threads: the probe runs on the receiving thread; the mode follows
// `notify::leaky`, emitted on whichever thread transportreceivebin changes it
// on (an atomic carries it across).
#pragma once

#include <gst/gst.h>

namespace convene::media {

// The queue carries its hand-off as object data under this name.
inline constexpr char kReceiveHandOffData[] = "convene-receive-hand-off";

// Installs the hand-off on `receive_bin` (webrtcbin's TransportReceiveBin);
// false when the bin is not laid out as expected (then nothing changes).
bool skip_receive_queue_when_passing(GstBin* receive_bin);

}  // namespace convene::media
