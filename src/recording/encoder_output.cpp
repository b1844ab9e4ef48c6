// Threads: see encoder_output.h.
#include "recording/encoder_output.h"

#include <stdexcept>

#include "recording/pipeline_library.h"
#include "util/log.h"

#define GST_CAT_DEFAULT convene_recording_debug

namespace convene::recording {
namespace {

GstAppSrc* add_source(GstElement* pipeline, const char* entry_name, const char* src_name) {
  GstElement* src = gst_element_factory_make("appsrc", src_name);
  // Live, in time; buffers come timestamped from the composite (rebased to
  // start at 0). When the encoder falls behind, old buffers go, never the call.
  g_object_set(src, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp", FALSE, "max-bytes",
               static_cast<guint64>(64 * 1024 * 1024), "block", FALSE, nullptr);
  gst_util_set_object_arg(G_OBJECT(src), "leaky-type", "downstream");
  gst_bin_add(GST_BIN(pipeline), src);
  g_autoptr(GstElement) entry = gst_bin_get_by_name(GST_BIN(pipeline), entry_name);
  if (!gst_element_link(src, entry)) throw std::runtime_error(std::string("cannot feed '") + entry_name + "'");
  return GST_APP_SRC(src);
}

}  // namespace

EncoderOutput::EncoderOutput(std::string name, const std::string& description, Events events)
    : name_(std::move(name)), events_(std::move(events)) {
  std::string error;
  pipeline_.reset(PipelineLibrary::build(description, &error));
  if (!pipeline_) throw std::runtime_error(error);
  gst_object_set_name(GST_OBJECT(pipeline_.get()), name_.c_str());
  video_ = add_source(pipeline_.get(), "video", "video-in");
  audio_ = add_source(pipeline_.get(), "audio", "audio-in");
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline_.get());
  gst_bus_add_watch(bus, on_bus, this);
}

EncoderOutput::~EncoderOutput() {
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline_.get());
  gst_bus_remove_watch(bus);
}

void EncoderOutput::start() {
  if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    throw std::runtime_error("the " + name_ + " pipeline did not start");
  GST_INFO("%s: started", name_.c_str());
}

void EncoderOutput::finish() {
  if (finishing_ || done_) return;
  finishing_ = true;
  gst_app_src_end_of_stream(video_);
  gst_app_src_end_of_stream(audio_);
  GST_INFO("%s: finishing", name_.c_str());
}

void EncoderOutput::stop() {
  done_ = true;
  gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
}

GstElement* EncoderOutput::find_by_factory(const char* factory) const {
  GstElement* found = nullptr;
  g_autoptr(GstIterator) it = gst_bin_iterate_recurse(GST_BIN(pipeline_.get()));
  GValue v = G_VALUE_INIT;
  while (!found && gst_iterator_next(it, &v) == GST_ITERATOR_OK) {
    auto* e = GST_ELEMENT(g_value_get_object(&v));
    GstElementFactory* f = gst_element_get_factory(e);
    if (f && g_str_equal(GST_OBJECT_NAME(f), factory)) found = e;  // the pipeline keeps it
    g_value_reset(&v);
  }
  g_value_unset(&v);
  return found;
}

gboolean EncoderOutput::on_bus(GstBus*, GstMessage* message, gpointer data) {
  auto* self = static_cast<EncoderOutput*>(data);
  if (self->done_) return G_SOURCE_CONTINUE;
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_EOS:
      GST_INFO("%s: finished", self->name_.c_str());
      self->done_ = true;
      gst_element_set_state(self->pipeline_.get(), GST_STATE_NULL);
      if (self->events_.finished) self->events_.finished();  // may destroy self
      break;
    case GST_MESSAGE_ERROR: {
      g_autoptr(GError) err = nullptr;
      g_autofree char* debug = nullptr;
      gst_message_parse_error(message, &err, &debug);
      GST_WARNING("%s: error from %s: %s (%s)", self->name_.c_str(), GST_OBJECT_NAME(message->src), err->message,
                  debug ? debug : "");
      self->done_ = true;
      gst_element_set_state(self->pipeline_.get(), GST_STATE_NULL);
      std::string text = err->message;
      if (self->events_.failed) self->events_.failed(text);  // may destroy self
      break;
    }
    case GST_MESSAGE_LATENCY:
      gst_bin_recalculate_latency(GST_BIN(self->pipeline_.get()));
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

}  // namespace convene::recording
