#include "app/media_config.h"

#include <algorithm>

#include <glib.h>

namespace convene::app {

media::MediaSettings media_settings(const config::Config& config) {
  media::MediaSettings s;
  s.ice_addresses = config.get_list("media", "ice_addresses");
  s.announced_ip = config.get_string("media", "announced_ip");
  s.min_port = static_cast<int>(config.get_int("media", "min_port"));
  s.max_port = static_cast<int>(config.get_int("media", "max_port"));
  s.stun_server = config.get_string("media", "stun_server");
  s.jitter_latency_ms = static_cast<unsigned>(config.get_int("media", "jitter_latency_ms"));
  s.jitter_buffer = config.get_bool("media", "jitter_buffer");
  s.rtx_without_thread = config.get_bool("media", "rtx_without_thread");
  // 0: only the 512-packet ring bounds it; a minute is far past any NACK.
  s.retransmission_history_ms =
      static_cast<unsigned>(std::clamp<gint64>(config.get_int("media", "retransmission_history_ms"), 0, 60000));
  s.receive_without_thread = config.get_bool("media", "receive_without_thread");
  s.send_directly = config.get_bool("media", "send_directly");
  s.send_from_forwarders = config.get_bool("media", "send_from_forwarders");
  s.skip_receive_pass_throughs = config.get_bool("media", "skip_receive_pass_throughs");
  g_autofree char* codec = g_ascii_strup(config.get_string("media", "video_codec").c_str(), -1);
  s.video_codec = codec;
  s.answer_timeout_sec = static_cast<int>(config.get_int("media", "answer_timeout_sec"));
  s.publish_connect_timeout_sec = static_cast<int>(config.get_int("media", "publish_connect_timeout_sec"));
  s.speaker_threshold_db = config.get_double("media", "speaker_threshold_db");
  return s;
}

}  // namespace convene::app
