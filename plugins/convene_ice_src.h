// conveneicesrc: what webrtcbin's ICE transport receives through in place of
// libnice's nicesrc (the media module registers it under the name
// "nicesrc", which is the name webrtcbin 1.22 creates it by).
//
// nicesrc runs a GLib main loop of its own per received packet: its thread
// polls the socket, libnice hands it one packet, the callback quits the loop
// (an eventfd write), the loop returns and the packet is pushed; then a new
// loop, a new poll. One thread per ICE connection does nothing else. This
// element has no thread: it hands the libnice agent's own main context (the
// one the agent's thread already runs, for ICE's checks and timers) the
// component's receiving, and pushes each packet from there, stamped as
// nicesrc stamps them (PTS = DTS = running time on arrival).
//
// The same properties as nicesrc: "agent", "stream", "component". Live, no
// preroll; receives from PAUSED on, until it goes back to READY.
//
// Threads: the receive callback and every push run on the agent's main
// context's thread; state changes on the caller's, which detaches the
// callback and then waits (the source pad's stream lock) for one that is
// running to finish. Properties under the object lock.
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define CONVENE_TYPE_ICE_SRC (convene_ice_src_get_type())
G_DECLARE_FINAL_TYPE(ConveneIceSrc, convene_ice_src, CONVENE, ICE_SRC, GstElement)

// Registers the element as "conveneicesrc" in `plugin` (or statically when
// plugin is NULL).
gboolean convene_ice_src_register(GstPlugin* plugin);

// Registers it under `name` as well, replacing whatever factory had that
// name in this process (for "nicesrc"). True when `name` now makes this
// element.
gboolean convene_ice_src_register_as(const gchar* name);

G_END_DECLS
