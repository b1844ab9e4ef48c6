// Outgoing e-mail over SMTP with libcurl (MIME multipart with an optional
// iCalendar attachment). Sending runs on a GTask worker thread; the result
// comes back on the caller's main context.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace convene::meeting {

struct SmtpSettings {
  std::string url;       // smtp://host:port or smtps://host:port; empty = e-mail disabled
  std::string user;
  std::string password;
  std::string from;      // "Convene <noreply@example.org>"
  std::string starttls;  // "auto" (try), "always" (require), "never"
  int timeout_sec = 20;

  bool enabled() const { return !url.empty(); }
};

struct Email {
  std::vector<std::string> to;
  std::string subject;
  std::string text;                    // plain-text body
  std::optional<std::string> ics;      // text/calendar attachment (invite.ics)
};

class Mailer {
 public:
  explicit Mailer(SmtpSettings settings) : settings_(std::move(settings)) {}
  bool enabled() const { return settings_.enabled(); }

  // Sends on a worker thread; `done(error)` on the calling main context, with
  // an empty error on success.
  void send(Email email, std::function<void(std::string error)> done) const;

  // Sends on the calling thread; returns an error message or "" (tests, workers).
  std::string send_blocking(const Email& email) const;

  // The message as it goes on the wire (headers + MIME body), for tests.
  static std::string address_of(const std::string& mailbox);

 private:
  SmtpSettings settings_;
};

}  // namespace convene::meeting
