// Values passed to and read from parameterised SQL, the same on both backends.
// Times are epoch milliseconds (BIGINT), booleans 0/1, ids TEXT.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace convene::store {

class Value {
 public:
  using Variant = std::variant<std::monostate, int64_t, double, std::string>;

  Value() = default;
  Value(std::nullptr_t) {}
  Value(int v) : v_(static_cast<int64_t>(v)) {}
  Value(int64_t v) : v_(v) {}
  Value(bool v) : v_(static_cast<int64_t>(v ? 1 : 0)) {}
  Value(double v) : v_(v) {}
  Value(std::string v) : v_(std::move(v)) {}
  Value(std::string_view v) : v_(std::string(v)) {}
  Value(const char* v) : v_(std::string(v)) {}
  template <class T>
  Value(const std::optional<T>& v) {
    if (v) *this = Value(*v);
  }

  bool is_null() const { return std::holds_alternative<std::monostate>(v_); }
  const Variant& variant() const { return v_; }

  // Conversions; a NULL reads as 0 / "" (check is_null first where it matters).
  int64_t as_int() const;
  double as_double() const;
  std::string as_string() const;

 private:
  Variant v_;
};

using Params = std::vector<Value>;

class Result;

// One row of a Result, read by column name.
class Row {
 public:
  Row(const Result* result, size_t index) : result_(result), index_(index) {}
  const Value& operator[](std::string_view column) const;
  std::string text(std::string_view column) const { return (*this)[column].as_string(); }
  int64_t integer(std::string_view column) const { return (*this)[column].as_int(); }
  bool boolean(std::string_view column) const { return (*this)[column].as_int() != 0; }
  std::optional<std::string> opt_text(std::string_view column) const;
  std::optional<int64_t> opt_integer(std::string_view column) const;

 private:
  const Result* result_;
  size_t index_;
};

class Result {
 public:
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
  int64_t affected = 0;  // rows changed by INSERT/UPDATE/DELETE

  size_t size() const { return rows.size(); }
  bool empty() const { return rows.empty(); }
  Row row(size_t i) const { return Row(this, i); }
  size_t column_index(std::string_view name) const;
};

// What went wrong in the store, by what the caller can do about it.
enum class ErrorKind {
  Unavailable,  // cannot reach the database: retry later, report 503
  Conflict,     // a UNIQUE constraint refused the write: report 409
  Query,        // anything else: a bug or bad data, report 500
};

struct Error : std::runtime_error {
  Error(ErrorKind k, const std::string& message) : std::runtime_error(message), kind(k) {}
  ErrorKind kind;
};

}  // namespace convene::store
