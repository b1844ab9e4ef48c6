#include "meeting/mailer.h"

#include <curl/curl.h>
#include <gio/gio.h>

#include <memory>

#include "util/log.h"
#include "util/random.h"
#include "util/release_with.h"

#define GST_CAT_DEFAULT convene_meeting_debug

namespace convene::meeting {
namespace {

using CurlFree = ReleaseWith<curl_easy_cleanup>;
using MimeFree = ReleaseWith<curl_mime_free>;
using SlistFree = ReleaseWith<curl_slist_free_all>;

// Header values must not carry line breaks (header injection).
std::string one_line(const std::string& s) {
  std::string out;
  for (char c : s)
    if (c != '\r' && c != '\n') out += c;
  return out;
}

// RFC 2047 encoded-word for non-ASCII subjects.
std::string encode_header_text(const std::string& s) {
  bool ascii = true;
  for (unsigned char c : s) ascii &= c < 0x80;
  if (ascii) return one_line(s);
  g_autofree char* b64 = g_base64_encode(reinterpret_cast<const guchar*>(s.data()), s.size());
  return std::string("=?UTF-8?B?") + b64 + "?=";
}

}  // namespace

std::string Mailer::address_of(const std::string& mailbox) {
  auto lt = mailbox.find('<');
  auto gt = mailbox.find('>');
  if (lt != std::string::npos && gt != std::string::npos && gt > lt) return mailbox.substr(lt + 1, gt - lt - 1);
  return mailbox;
}

std::string Mailer::send_blocking(const Email& email) const {
  if (!settings_.enabled()) return "e-mail is not configured ([smtp] url is empty)";
  if (email.to.empty()) return "no recipients";
  std::unique_ptr<CURL, CurlFree> curl(curl_easy_init());
  if (!curl) return "curl_easy_init failed";
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, settings_.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(settings_.timeout_sec));
  if (!settings_.user.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, settings_.user.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, settings_.password.c_str());
  }
  if (settings_.starttls == "always") curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  else if (settings_.starttls != "never") curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
  std::string from = address_of(settings_.from);
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, ("<" + from + ">").c_str());

  std::unique_ptr<curl_slist, SlistFree> rcpt;
  std::string to_header;
  for (const auto& to : email.to) {
    std::string addr = one_line(address_of(to));
    rcpt.reset(curl_slist_append(rcpt.release(), ("<" + addr + ">").c_str()));
    to_header += (to_header.empty() ? "" : ", ") + addr;
  }
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());

  g_autoptr(GDateTime) now = g_date_time_new_now_utc();
  g_autofree char* date = g_date_time_format(now, "%a, %d %b %Y %H:%M:%S +0000");
  std::unique_ptr<curl_slist, SlistFree> headers;
  auto add_header = [&](const std::string& h) { headers.reset(curl_slist_append(headers.release(), h.c_str())); };
  add_header("Date: " + std::string(date));
  add_header("From: " + one_line(settings_.from));
  add_header("To: " + to_header);
  add_header("Subject: " + encode_header_text(email.subject));
  add_header("Message-ID: <" + random::hex_token(16) + "@convene>");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());

  std::unique_ptr<curl_mime, MimeFree> mime(curl_mime_init(c));
  curl_mimepart* body = curl_mime_addpart(mime.get());
  curl_mime_data(body, email.text.c_str(), CURL_ZERO_TERMINATED);
  curl_mime_type(body, "text/plain; charset=utf-8");
  if (email.ics) {
    curl_mimepart* cal = curl_mime_addpart(mime.get());
    curl_mime_data(cal, email.ics->c_str(), CURL_ZERO_TERMINATED);
    curl_mime_type(cal, "text/calendar; charset=utf-8; method=REQUEST");
    curl_mime_filename(cal, "invite.ics");
    curl_mime_encoder(cal, "base64");
  }
  curl_easy_setopt(c, CURLOPT_MIMEPOST, mime.get());

  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    std::string err = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    GST_WARNING("SMTP send to %s failed: %s", to_header.c_str(), err.c_str());
    return "SMTP: " + err;
  }
  GST_INFO("sent e-mail '%s' to %s", email.subject.c_str(), to_header.c_str());
  return "";
}

void Mailer::send(Email email, std::function<void(std::string error)> done) const {
  struct Job {
    Mailer mailer;
    Email email;
    std::function<void(std::string)> done;
    std::string error;
  };
  auto* job = new Job{*this, std::move(email), std::move(done), {}};
  g_autoptr(GTask) task = g_task_new(nullptr, nullptr,
                           [](GObject*, GAsyncResult* res, gpointer) {
                             auto* j = static_cast<Job*>(g_task_get_task_data(G_TASK(res)));
                             if (j->done) j->done(j->error);
                           },
                           nullptr);
  g_task_set_task_data(task, job, [](gpointer p) { delete static_cast<Job*>(p); });
  g_task_run_in_thread(task, [](GTask* t, gpointer, gpointer data, GCancellable*) {
    auto* j = static_cast<Job*>(data);
    j->error = j->mailer.send_blocking(j->email);
    g_task_return_boolean(t, TRUE);
  });
  // The running task keeps its own reference until it has called back.
}

}  // namespace convene::meeting
