#include "metrics/registry.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "metrics/exposition.h"

namespace convene::metrics {
namespace {

bool name_char(char c, bool first, bool colon) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return true;
  if (colon && c == ':') return true;
  return !first && c >= '0' && c <= '9';
}

bool ends_with(const std::string& s, const char* suffix) {
  size_t n = strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

void add_double(std::atomic<double>& a, double by) {
  double old = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(old, old + by, std::memory_order_relaxed)) {
  }
}

void check_counter_name(const std::string& name) {
  check_metric_name(name);
  if (!ends_with(name, "_total")) throw std::invalid_argument("a counter's name must end in _total: " + name);
}

}  // namespace

void check_metric_name(const std::string& name) {
  bool ok = !name.empty();
  for (size_t i = 0; ok && i < name.size(); ++i) ok = name_char(name[i], i == 0, true);
  if (!ok) throw std::invalid_argument("not a metric name: '" + name + "'");
}

void check_label_name(const std::string& name) {
  bool ok = !name.empty() && name.rfind("__", 0) != 0;
  for (size_t i = 0; ok && i < name.size(); ++i) ok = name_char(name[i], i == 0, false);
  if (!ok || name == "le") throw std::invalid_argument("not a label name: '" + name + "'");
}

void Counter::inc(double by) {
  // A counter only goes up; a negative step is a programming error we ignore.
  if (!(by >= 0)) return;
  add_double(value_, by);
}

void Gauge::add(double by) { add_double(value_, by); }

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)) {
  for (size_t i = 0; i < bounds_.size(); ++i)
    if (!std::isfinite(bounds_[i]) || (i > 0 && bounds_[i] <= bounds_[i - 1]))
      throw std::invalid_argument("histogram bounds must be finite and strictly increasing");
  buckets_ = std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1);
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::observe(double v) {
  if (std::isnan(v)) return;
  // Upper bounds are inclusive (le = "less or equal").
  size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  add_double(sum_, v);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::cumulative() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    out[i] = running;
  }
  return out;
}

std::vector<double> exponential_buckets(double start, double factor, int count) {
  std::vector<double> out;
  for (int i = 0; i < count; ++i, start *= factor) out.push_back(start);
  return out;
}

std::vector<double> linear_buckets(double start, double width, int count) {
  std::vector<double> out;
  for (int i = 0; i < count; ++i) out.push_back(start + width * i);
  return out;
}

FamilySnapshot& Collection::family(const std::string& name, const std::string& help, Type type) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    if (type == Type::Counter)
      check_counter_name(name);
    else
      check_metric_name(name);
    it = families_.emplace(name, FamilySnapshot{name, help, type, {}}).first;
  } else if (it->second.type != type) {
    throw std::invalid_argument("metric " + name + " collected with two types");
  }
  return it->second;
}

namespace {

void check_labels(const std::vector<std::pair<std::string, std::string>>& labels) {
  for (const auto& [k, v] : labels) check_label_name(k);
}

}  // namespace

void Collection::counter(const std::string& name, const std::string& help,
                         std::vector<std::pair<std::string, std::string>> labels, double value) {
  check_labels(labels);
  family(name, help, Type::Counter).samples.push_back(Sample{"", std::move(labels), value});
}

void Collection::gauge(const std::string& name, const std::string& help,
                       std::vector<std::pair<std::string, std::string>> labels, double value) {
  check_labels(labels);
  family(name, help, Type::Gauge).samples.push_back(Sample{"", std::move(labels), value});
}

void Collection::histogram(const std::string& name, const std::string& help,
                           std::vector<std::pair<std::string, std::string>> labels, const std::vector<double>& bounds,
                           const std::vector<uint64_t>& cumulative, double sum) {
  check_labels(labels);
  if (cumulative.size() != bounds.size() + 1)
    throw std::invalid_argument("histogram " + name + ": one count per bound and one for +Inf");
  FamilySnapshot& f = family(name, help, Type::Histogram);
  for (size_t i = 0; i <= bounds.size(); ++i) {
    auto l = labels;
    l.emplace_back("le", i < bounds.size() ? format_value(bounds[i]) : "+Inf");
    f.samples.push_back(Sample{"_bucket", std::move(l), static_cast<double>(cumulative[i])});
  }
  f.samples.push_back(Sample{"_sum", labels, sum});
  f.samples.push_back(Sample{"_count", std::move(labels), static_cast<double>(cumulative.back())});
}

std::vector<FamilySnapshot> Collection::families() && {
  std::vector<FamilySnapshot> out;
  for (auto& [name, f] : families_) out.push_back(std::move(f));
  return out;
}

Registry::Entry& Registry::add(const std::string& name, const std::string& help, Type type,
                               const std::vector<std::string>& labels) {
  if (type == Type::Counter)
    check_counter_name(name);
  else
    check_metric_name(name);
  for (const auto& l : labels) check_label_name(l);
  if (entries_.count(name)) throw std::invalid_argument("metric " + name + " is registered twice");
  Entry& e = entries_[name];
  e.help = help;
  e.type = type;
  return e;
}

Family<Counter>& Registry::counter(const std::string& name, const std::string& help,
                                   std::vector<std::string> labels) {
  std::lock_guard lock(mutex_);
  Entry& e = add(name, help, Type::Counter, labels);
  e.counters = std::make_unique<Family<Counter>>(std::move(labels), [] { return std::make_unique<Counter>(); });
  return *e.counters;
}

Family<Gauge>& Registry::gauge(const std::string& name, const std::string& help, std::vector<std::string> labels) {
  std::lock_guard lock(mutex_);
  Entry& e = add(name, help, Type::Gauge, labels);
  e.gauges = std::make_unique<Family<Gauge>>(std::move(labels), [] { return std::make_unique<Gauge>(); });
  return *e.gauges;
}

Family<Histogram>& Registry::histogram(const std::string& name, const std::string& help, std::vector<double> bounds,
                                       std::vector<std::string> labels) {
  Histogram check(bounds);  // throws on bad bounds before anything is registered
  std::lock_guard lock(mutex_);
  Entry& e = add(name, help, Type::Histogram, labels);
  e.histograms = std::make_unique<Family<Histogram>>(
      std::move(labels), [bounds = std::move(bounds)] { return std::make_unique<Histogram>(bounds); });
  return *e.histograms;
}

uint64_t Registry::add_collector(Collector collector) {
  std::lock_guard lock(mutex_);
  uint64_t id = next_collector_++;
  collectors_[id] = std::move(collector);
  return id;
}

void Registry::remove_collector(uint64_t id) {
  std::lock_guard lock(mutex_);
  collectors_.erase(id);
}

std::vector<FamilySnapshot> Registry::collect() const {
  Collection c;
  std::vector<Collector> collectors;
  {
    std::lock_guard lock(mutex_);
    // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
    for (const auto& entry : entries_) {
      const std::string& name = entry.first;
      const auto& e = entry.second;
      auto labelled = [](const std::vector<std::string>& names, const LabelValues& values) {
        std::vector<std::pair<std::string, std::string>> out;
        for (size_t i = 0; i < names.size(); ++i) out.emplace_back(names[i], values[i]);
        return out;
      };
      if (e.counters) {
        // A family without children still shows its HELP/TYPE (so dashboards find it).
        c.declare(name, e.help, Type::Counter);
        e.counters->each([&](const LabelValues& v, const Counter& m) {
          c.counter(name, e.help, labelled(e.counters->label_names(), v), m.value());
        });
      } else if (e.gauges) {
        c.declare(name, e.help, Type::Gauge);
        e.gauges->each([&](const LabelValues& v, const Gauge& m) {
          c.gauge(name, e.help, labelled(e.gauges->label_names(), v), m.value());
        });
      } else if (e.histograms) {
        c.declare(name, e.help, Type::Histogram);
        e.histograms->each([&](const LabelValues& v, const Histogram& m) {
          c.histogram(name, e.help, labelled(e.histograms->label_names(), v), m.bounds(), m.cumulative(), m.sum());
        });
      }
    }
    for (const auto& [id, f] : collectors_) collectors.push_back(f);
  }
  // Collectors run unlocked: they may read objects that count into this registry.
  for (const auto& f : collectors) f(c);
  return std::move(c).families();
}

}  // namespace convene::metrics
