// Listener registrations that end with an object: whoever registers keeps
// the ListenerToken, and destroying it (with the listener's owner) removes
// the listener, so nothing calls back into a destroyed module. A token that
// outlives its list does nothing.
//
// Threads: main loop only (no locks).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <utility>
#include <vector>

namespace convene {

class ListenerToken {
 public:
  ListenerToken() = default;
  explicit ListenerToken(std::function<void()> remove) : remove_(std::move(remove)) {}
  ListenerToken(ListenerToken&& other) noexcept : remove_(std::exchange(other.remove_, nullptr)) {}
  ListenerToken& operator=(ListenerToken&& other) noexcept {
    if (this != &other) {
      reset();
      remove_ = std::exchange(other.remove_, nullptr);
    }
    return *this;
  }
  ListenerToken(const ListenerToken&) = delete;
  ListenerToken& operator=(const ListenerToken&) = delete;
  ~ListenerToken() { reset(); }

  // Unregisters now (idempotent).
  void reset() {
    if (auto remove = std::exchange(remove_, nullptr)) remove();
  }
  bool active() const { return static_cast<bool>(remove_); }

 private:
  std::function<void()> remove_;
};

// Listeners of one kind (a pointer to an interface, or a std::function).
// A listener removed while the list is being notified is not called after.
template <class L>
class ListenerList {
 public:
  ListenerToken add(L listener) {
    uint64_t id = next_id_++;
    (*entries_)[id] = std::move(listener);
    return ListenerToken([weak = std::weak_ptr<Entries>(entries_), id] {
      if (auto entries = weak.lock()) entries->erase(id);
    });
  }
  // Calls `fn(listener)` for each listener registered now and still registered when its turn comes.
  template <class F>
  void each(F&& fn) const {
    std::vector<uint64_t> ids;
    for (const auto& [id, l] : *entries_) ids.push_back(id);
    auto keep = entries_;  // a listener may destroy the owner of this list
    for (uint64_t id : ids) {
      auto it = keep->find(id);
      if (it != keep->end()) fn(it->second);
    }
  }
  size_t size() const { return entries_->size(); }

 private:
  using Entries = std::map<uint64_t, L>;
  std::shared_ptr<Entries> entries_ = std::make_shared<Entries>();
  uint64_t next_id_ = 1;
};

}  // namespace convene
