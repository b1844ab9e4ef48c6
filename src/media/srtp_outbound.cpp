#include "media/srtp_outbound.h"

#include <cstring>

#include "util/log.h"

#define GST_CAT_DEFAULT convene_media_debug

namespace convene::media {

namespace {

// The nick of an enum property's value ("aes-128-icm"), or "".
std::string enum_nick(GObject* object, const char* property) {
  GParamSpec* spec = g_object_class_find_property(G_OBJECT_GET_CLASS(object), property);
  if (!spec || !G_IS_PARAM_SPEC_ENUM(spec)) return "";
  g_auto(GValue) value = G_VALUE_INIT;
  g_value_init(&value, spec->value_type);
  g_object_get_property(object, property, &value);
  g_autoptr(GEnumClass) type = static_cast<GEnumClass*>(g_type_class_ref(spec->value_type));
  const GEnumValue* found = g_enum_get_value(type, g_value_get_enum(&value));
  return found ? found->value_nick : "";
}

struct Profile {
  const char* cipher;
  const char* auth;
  void (*set)(srtp_crypto_policy_t*);
  size_t key_size;  // master key + salt
};

// The profiles DTLS-SRTP negotiates (RFC 5764, RFC 7714) as srtpenc names them.
constexpr Profile kProfiles[] = {
    {"aes-128-icm", "hmac-sha1-80", srtp_crypto_policy_set_rtp_default, 30},
    {"aes-128-icm", "hmac-sha1-32", srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32, 30},
    {"aes-256-icm", "hmac-sha1-80", srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80, 46},
    {"aes-256-icm", "hmac-sha1-32", srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32, 46},
    {"aes-128-gcm", "null", srtp_crypto_policy_set_aes_gcm_128_16_auth, 28},
    {"aes-256-gcm", "null", srtp_crypto_policy_set_aes_gcm_256_16_auth, 44},
};

}  // namespace

std::unique_ptr<SrtpOutbound> SrtpOutbound::like(GstElement* srtpenc, std::string* why) {
  gboolean random_key = TRUE;
  g_object_get(srtpenc, "random-key", &random_key, nullptr);
  if (random_key) return nullptr;
  GstBuffer* key = nullptr;
  g_object_get(srtpenc, "key", &key, nullptr);
  if (!key) return nullptr;
  g_autoptr(GstBuffer) owned = key;
  GstMapInfo map;
  if (!gst_buffer_map(key, &map, GST_MAP_READ)) {
    *why = "the key cannot be read";
    return nullptr;
  }
  const std::string cipher = enum_nick(G_OBJECT(srtpenc), "rtp-cipher");
  const std::string auth = enum_nick(G_OBJECT(srtpenc), "rtp-auth");
  auto session = make(cipher.c_str(), auth.c_str(), map.data, map.size, why);
  gst_buffer_unmap(key, &map);
  return session;
}

std::unique_ptr<SrtpOutbound> SrtpOutbound::make(const char* cipher, const char* auth, const guint8* key,
                                                 size_t key_size, std::string* why) {
  // srtpenc's plugin initialises libsrtp when it loads, which has happened
  // once srtpenc has a key; a second srtp_init fails (its debug modules are
  // loaded already) and changes nothing. For a session made without srtpenc
  // (tests) it is the first; srtp_create says whether libsrtp is usable.
  static gsize initialised = 0;
  if (g_once_init_enter(&initialised)) {
    const srtp_err_status_t status = srtp_init();
    GST_DEBUG("srtp_init: status %d", status);
    g_once_init_leave(&initialised, 1);
  }
  const Profile* profile = nullptr;
  for (const Profile& p : kProfiles)
    if (!g_strcmp0(p.cipher, cipher) && !g_strcmp0(p.auth, auth)) profile = &p;
  if (!profile) {
    *why = std::string("SRTP profile ") + cipher + "/" + auth + " is not one sent directly";
    return nullptr;
  }
  if (key_size != profile->key_size) {
    *why = "a " + std::to_string(key_size) + "-byte key for " + cipher + " (" + std::to_string(profile->key_size) +
           " expected)";
    return nullptr;
  }
  srtp_policy_t policy;
  std::memset(&policy, 0, sizeof policy);
  profile->set(&policy.rtp);
  profile->set(&policy.rtcp);  // sender reports of streams rtpsession does not know
  policy.ssrc.type = ssrc_any_outbound;
  policy.key = const_cast<guint8*>(key);  // libsrtp copies what it derives
  policy.window_size = 128;
  srtp_t session = nullptr;
  const srtp_err_status_t status = srtp_create(&session, &policy);
  if (status != srtp_err_status_ok) {
    *why = "libsrtp refused the session (status " + std::to_string(status) + ")";
    return nullptr;
  }
  return std::unique_ptr<SrtpOutbound>(new SrtpOutbound(session));
}

SrtpOutbound::~SrtpOutbound() { srtp_dealloc(session_); }

namespace {

// srtp_protect or srtp_protect_rtcp on `packet`, in place.
bool protect_with(srtp_err_status_t (*protect)(srtp_t, void*, int*), const char* what, srtp_t session, guint8* packet,
                  size_t* size) {
  int length = static_cast<int>(*size);
  const srtp_err_status_t status = protect(session, packet, &length);
  if (status != srtp_err_status_ok) {
    GST_LOG("%s refused a packet of %zu bytes: status %d", what, *size, status);
    return false;
  }
  *size = static_cast<size_t>(length);
  return true;
}

}  // namespace

bool SrtpOutbound::protect(guint8* packet, size_t* size) {
  return protect_with(srtp_protect, "srtp_protect", session_, packet, size);
}

bool SrtpOutbound::protect_rtcp(guint8* packet, size_t* size) {
  return protect_with(srtp_protect_rtcp, "srtp_protect_rtcp", session_, packet, size);
}

}  // namespace convene::media
