//===- log_record.hpp - Named values of one training log entry -*- C++ -*-===//
//
// A LogRecord is what the trainer hands to the log writers at a logging
// step: an ordered list of name -> value, where a value is a double (loss,
// learning rate), an integer (token counts) or a string. Order is kept
// because trainer_logs.json writes the fields in the order they were added,
// as the reference's Python dicts do.
//
// Setting a name that is already present replaces its value in place, which
// is the semantics of Python's dict update ({**a, **b}) the reference uses to
// merge its header fields with the trainer's logs.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace fgrt::train {

/// One value of a log record: a floating-point number, an integer or text.
using LogValue = std::variant<double, int64_t, std::string>;

/// An ordered list of named values (see the file comment for the merge rule).
class LogRecord {
public:
  /// One named value.
  struct Field {
    /// The field's name, the JSON key.
    std::string name;
    /// The field's value.
    LogValue value;
  };

  /// An empty record.
  LogRecord() = default;

  /// Sets a floating-point field (appended, or replaced in place if present).
  LogRecord &set(const std::string &name, double value);
  /// Sets an integer field; a template so that `set("tokens", 5)` is not
  /// ambiguous between the double and the int64_t overloads.
  template <typename Integer, std::enable_if_t<std::is_integral_v<Integer>, int> = 0>
  LogRecord &set(const std::string &name, Integer value) {
    return set_value(name, LogValue(static_cast<int64_t>(value)));
  }
  /// Sets a text field.
  LogRecord &set(const std::string &name, std::string value);
  /// Sets a text field (overload so a string literal is text, not a bool).
  LogRecord &set(const std::string &name, const char *value);

  /// Sets every field of `other`, in its order, with the replace rule.
  LogRecord &merge(const LogRecord &other);

  /// The value named `name`, or nullptr when absent.
  const LogValue *find(const std::string &name) const;
  /// The fields in insertion order.
  const std::vector<Field> &fields() const { return fields_; }
  /// The number of fields.
  size_t size() const { return fields_.size(); }
  /// Whether the record has no field.
  bool empty() const { return fields_.empty(); }

private:
  LogRecord &set_value(const std::string &name, LogValue value);

  std::vector<Field> fields_;
};

} // namespace fgrt::train
