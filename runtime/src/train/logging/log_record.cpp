//===- log_record.cpp - Named values of one training log entry -*- C++ -*-===//
//
// See log_record.hpp. Records hold a handful of fields, so a linear search
// by name is faster and simpler than keeping a map beside the ordered list.
//
//===----------------------------------------------------------------------===//
#include "fgrt/train/logging/log_record.hpp"

#include <algorithm>

namespace fgrt::train {

LogRecord &LogRecord::set(const std::string &name, double value) { return set_value(name, LogValue(value)); }

LogRecord &LogRecord::set(const std::string &name, std::string value) {
  return set_value(name, LogValue(std::move(value)));
}

LogRecord &LogRecord::set(const std::string &name, const char *value) { return set(name, std::string(value)); }

LogRecord &LogRecord::merge(const LogRecord &other) {
  for (const Field &field : other.fields_)
    set_value(field.name, field.value);
  return *this;
}

const LogValue *LogRecord::find(const std::string &name) const {
  auto it = std::find_if(fields_.begin(), fields_.end(), [&](const Field &field) { return field.name == name; });
  return it == fields_.end() ? nullptr : &it->value;
}

LogRecord &LogRecord::set_value(const std::string &name, LogValue value) {
  // find() is const; the field it points to belongs to this (non-const)
  // record, so replacing it in place is safe.
  if (auto *existing = const_cast<LogValue *>(find(name)))
    *existing = std::move(value);
  else
    fields_.push_back(Field{name, std::move(value)});
  return *this;
}

} // namespace fgrt::train
