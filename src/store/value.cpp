#include "store/value.h"

#include <glib.h>

namespace convene::store {

int64_t Value::as_int() const {
  if (auto* i = std::get_if<int64_t>(&v_)) return *i;
  if (auto* d = std::get_if<double>(&v_)) return static_cast<int64_t>(*d);
  if (auto* s = std::get_if<std::string>(&v_)) return g_ascii_strtoll(s->c_str(), nullptr, 10);
  return 0;
}

double Value::as_double() const {
  if (auto* d = std::get_if<double>(&v_)) return *d;
  if (auto* i = std::get_if<int64_t>(&v_)) return static_cast<double>(*i);
  if (auto* s = std::get_if<std::string>(&v_)) return g_ascii_strtod(s->c_str(), nullptr);
  return 0.0;
}

std::string Value::as_string() const {
  if (auto* s = std::get_if<std::string>(&v_)) return *s;
  if (auto* i = std::get_if<int64_t>(&v_)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(&v_)) {
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    return g_ascii_dtostr(buf, sizeof buf, *d);
  }
  return {};
}

size_t Result::column_index(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == name) return i;
  throw Error(ErrorKind::Query, "no column '" + std::string(name) + "' in result");
}

const Value& Row::operator[](std::string_view column) const {
  return result_->rows[index_][result_->column_index(column)];
}

std::optional<std::string> Row::opt_text(std::string_view column) const {
  const Value& v = (*this)[column];
  if (v.is_null()) return std::nullopt;
  return v.as_string();
}

std::optional<int64_t> Row::opt_integer(std::string_view column) const {
  const Value& v = (*this)[column];
  if (v.is_null()) return std::nullopt;
  return v.as_int();
}

}  // namespace convene::store
