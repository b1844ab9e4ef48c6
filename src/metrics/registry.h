// A small Prometheus client: counters, gauges and histograms with labels,
// kept in a Registry that also runs collectors (callbacks that read figures
// other objects already keep, at scrape time) and renders everything in the
// text exposition format 0.0.4 (exposition.h).
//
// Threads: a metric's value may be changed from any thread (atomics: store
// workers and GStreamer streaming threads count too); a family's children
// are looked up under the family's mutex, so callers on hot paths keep the
// reference `with()` returns (it stays valid as long as the registry).
// Collectors run on the thread that scrapes (the main loop).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace convene::metrics {

enum class Type { Counter, Gauge, Histogram };

using LabelValues = std::vector<std::string>;

// One sample line: name suffix ("", "_bucket", "_sum", "_count"), labels, value.
struct Sample {
  std::string suffix;
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
};

// One metric family as it is exposed.
struct FamilySnapshot {
  std::string name;
  std::string help;
  Type type = Type::Gauge;
  std::vector<Sample> samples;
};

// Throws std::invalid_argument for names Prometheus does not accept.
void check_metric_name(const std::string& name);
void check_label_name(const std::string& name);

class Counter {
 public:
  void inc(double by = 1.0);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void add(double by);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  // `bounds`: upper bounds, strictly increasing, without +Inf (added).
  explicit Histogram(std::vector<double> bounds);
  void observe(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  // Cumulative counts per bound, then the +Inf bucket (== count()).
  std::vector<uint64_t> cumulative() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // not cumulative; last is +Inf
  std::atomic<double> sum_{0};
  std::atomic<uint64_t> count_{0};
};

// Standard bucket sets.
std::vector<double> exponential_buckets(double start, double factor, int count);
std::vector<double> linear_buckets(double start, double width, int count);

// The children of one family, one per combination of label values.
template <class M>
class Family {
 public:
  Family(std::vector<std::string> label_names, std::function<std::unique_ptr<M>()> make)
      : label_names_(std::move(label_names)), make_(std::move(make)) {}
  // The child with these label values (created at first use). Throws
  // std::invalid_argument when the number of values is wrong.
  M& with(const LabelValues& values);
  const std::vector<std::string>& label_names() const { return label_names_; }
  // Calls f(values, metric) for every child, in label order.
  template <class F>
  void each(F&& f) const {
    std::lock_guard lock(mutex_);
    for (const auto& [values, m] : children_) f(values, *m);
  }

 private:
  std::vector<std::string> label_names_;
  std::function<std::unique_ptr<M>()> make_;
  mutable std::mutex mutex_;
  std::map<LabelValues, std::unique_ptr<M>> children_;
};

// Collectors add samples of families they describe at scrape time.
class Collection {
 public:
  // A counter (name must end in _total), gauge, or a histogram given as
  // its bounds, cumulative counts (bounds.size() + 1 of them), sum.
  void counter(const std::string& name, const std::string& help,
               std::vector<std::pair<std::string, std::string>> labels, double value);
  void gauge(const std::string& name, const std::string& help,
             std::vector<std::pair<std::string, std::string>> labels, double value);
  void histogram(const std::string& name, const std::string& help,
                 std::vector<std::pair<std::string, std::string>> labels, const std::vector<double>& bounds,
                 const std::vector<uint64_t>& cumulative, double sum);
  // A family with no samples (yet): still exposed with HELP and TYPE.
  void declare(const std::string& name, const std::string& help, Type type) { family(name, help, type); }
  // The families, sorted by name.
  std::vector<FamilySnapshot> families() &&;

 private:
  FamilySnapshot& family(const std::string& name, const std::string& help, Type type);
  std::map<std::string, FamilySnapshot> families_;
};

using Collector = std::function<void(Collection&)>;

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Registration throws std::invalid_argument for a bad or taken name (a
  // counter's name must end in _total).
  Family<Counter>& counter(const std::string& name, const std::string& help, std::vector<std::string> labels = {});
  Family<Gauge>& gauge(const std::string& name, const std::string& help, std::vector<std::string> labels = {});
  Family<Histogram>& histogram(const std::string& name, const std::string& help, std::vector<double> bounds,
                               std::vector<std::string> labels = {});

  // Runs at every scrape; returns an id for remove_collector.
  uint64_t add_collector(Collector collector);
  void remove_collector(uint64_t id);

  // Every family (registered and collected), sorted by name.
  std::vector<FamilySnapshot> collect() const;

 private:
  struct Entry {
    std::string help;
    Type type;
    std::unique_ptr<Family<Counter>> counters;
    std::unique_ptr<Family<Gauge>> gauges;
    std::unique_ptr<Family<Histogram>> histograms;
  };
  Entry& add(const std::string& name, const std::string& help, Type type, const std::vector<std::string>& labels);

  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;
  std::map<uint64_t, Collector> collectors_;
  uint64_t next_collector_ = 1;
};

template <class M>
M& Family<M>::with(const LabelValues& values) {
  if (values.size() != label_names_.size())
    throw std::invalid_argument("expected " + std::to_string(label_names_.size()) + " label values, got " +
                                std::to_string(values.size()));
  std::lock_guard lock(mutex_);
  auto it = children_.find(values);
  if (it == children_.end()) it = children_.emplace(values, make_()).first;
  return *it->second;
}

}  // namespace convene::metrics
