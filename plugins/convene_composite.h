// convenecomposite: one picture and one sound of everyone in a room.
//
// A bin. Request sink pads `video_%u` and `audio_%u` take RTP as published
// (VP8 or H.264 video, Opus audio); each is depayloaded and decoded inside
// (chosen by the caps' encoding-name on the first CAPS event). Always src
// pads: `video` (raw, width × height at framerate, I420) and `audio` (raw,
// 48 kHz stereo, mixed by audiomixer).
//
// Element properties:
//   width, height, framerate  output picture (default 1280×720 at 30/1)
//   layout          "grid" (rows × columns from the number of tiles) or
//                   "speaker" (the active speaker large, others in a column);
//                   a screen share always gets the large tile
//   active-speaker  peer-id of the speaker to highlight ("" for none)
//   latency         how long (ns) the mixers wait for late input; also the
//                   minimum upstream latency they assume, so inputs added
//                   while playing are not dropped as late
//   placeholder-timeout  ms without a decoded frame after which a tile shows
//                   its placeholder (a grey card with the name) instead
// Sink pad properties (ConveneCompositePad):
//   label    the name drawn on the tile
//   source   "camera" | "screen" | "microphone"
//   peer-id  who it belongs to (matches active-speaker)
//   muted    show the placeholder (video) / silence (audio)
//
// Why a bin around compositor/audiomixer: a live background source keeps
// both mixers producing output on their own clock, so the output never
// stalls when an input has no frames (muted camera, packet loss) or when
// there are no inputs at all; a placeholder tile per video input shows
// through while its video is hidden.
//
// Threads: request/release pads and property changes on the caller's thread
// (the server's main loop); the decoding branch of a pad is built on the
// streaming thread that brings its first CAPS event; tile visibility is
// refreshed on the compositor's source thread (a probe on its src pad).
// Shared state is under the element's own mutex, always taken before any
// GStreamer object lock.
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define CONVENE_TYPE_COMPOSITE (convene_composite_get_type())
G_DECLARE_FINAL_TYPE(ConveneComposite, convene_composite, CONVENE, COMPOSITE, GstBin)

#define CONVENE_TYPE_COMPOSITE_PAD (convene_composite_pad_get_type())
G_DECLARE_FINAL_TYPE(ConveneCompositePad, convene_composite_pad, CONVENE, COMPOSITE_PAD, GstGhostPad)

// Registers the element in `plugin` (or statically when plugin is NULL).
gboolean convene_composite_register(GstPlugin* plugin);

G_END_DECLS
