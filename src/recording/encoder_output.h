// One consumer of a room's composite: a pipeline of its own, built from a
// description of pipelines/, fed raw video and audio through two appsrcs.
// Its own pipeline means a failing encoder, file or network sink (an RTMP
// receiver that went away) stops only this output, never the composite nor
// the call.
//
// Threads: built, started, finished and destroyed on the main loop; its bus
// watch runs on the main loop. The appsrcs are pushed to from the
// composite's streaming threads (appsrc is thread-safe).
#pragma once

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <functional>
#include <string>

#include "recording/composite_output.h"
#include "recording/gst_ptr.h"

namespace convene::recording {

class EncoderOutput final : public CompositeOutput {
 public:
  struct Events {
    std::function<void()> finished;                    // EOS reached every sink: the file is complete
    std::function<void(const std::string&)> failed;    // an error; the pipeline is stopped
  };
  // Builds the pipeline from an expanded description; throws std::runtime_error.
  EncoderOutput(std::string name, const std::string& description, Events events);
  ~EncoderOutput() override;
  EncoderOutput(const EncoderOutput&) = delete;
  EncoderOutput& operator=(const EncoderOutput&) = delete;

  const std::string& name() const override { return name_; }
  // PLAYING; throws std::runtime_error when it cannot start.
  void start() override;
  // Ends both inputs; `finished` follows once everything is written.
  void finish();
  bool finishing() const { return finishing_; }
  // Stops at once (no EOS).
  void stop();

  GstAppSrc* video() const override { return video_; }
  GstAppSrc* audio() const override { return audio_; }
  GstElement* pipeline() const override { return pipeline_.get(); }
  // An element of the pipeline by factory name (borrowed), or nullptr.
  GstElement* find_by_factory(const char* factory) const;

 private:
  static gboolean on_bus(GstBus* bus, GstMessage* message, gpointer self);

  std::string name_;
  Events events_;
  ElementPtr pipeline_;
  GstAppSrc* video_ = nullptr;      // owned by the pipeline
  GstAppSrc* audio_ = nullptr;
  bool finishing_ = false;
  bool done_ = false;
};

}  // namespace convene::recording
