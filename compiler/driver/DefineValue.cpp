//===- DefineValue.cpp - `-D NAME=VALUE` values as YAML flow values -------===//
//
// VALUE is read the way the reference reads it, with PyYAML's safe_load:
// YAML 1.1 typing, core tags (`!!str 5`), and no custom tags. fgcc's own
// parse and graph phases do the reading.
//
//===----------------------------------------------------------------------===//
#include "driver/Session.h"

#include "graph/Graph.h"

namespace fgcc {

namespace {

/// Python's str() of a datetime/date read from YAML: `2001-12-14 21:59:43.100000`.
std::string datetimeText(const std::string &written, bool dateOnly) {
  if (dateOnly)
    return written;
  std::string date = written.substr(0, 10);
  size_t i = 10;
  while (i < written.size() && (written[i] == ' ' || written[i] == '\t' || written[i] == 'T' || written[i] == 't'))
    ++i;
  size_t timeEnd = written.find_first_of(" \tZ+-", i);
  std::string time = written.substr(i, timeEnd == std::string::npos ? std::string::npos : timeEnd - i);
  std::string zone = timeEnd == std::string::npos ? "" : written.substr(timeEnd);
  while (!zone.empty() && (zone[0] == ' ' || zone[0] == '\t'))
    zone.erase(0, 1);
  // YAML allows a one-digit hour; Python prints two.
  if (time.size() < 8 || time[1] == ':')
    time = "0" + time;
  std::string fraction;
  // Python keeps microseconds: the fraction is cut or zero-padded to six.
  if (size_t dot = time.find('.'); dot != std::string::npos) {
    fraction = time.substr(dot + 1, 6);
    time.resize(dot);
    fraction.resize(6, '0');
    fraction = "." + fraction;
  }
  // An aware datetime prints its offset as +HH:MM.
  if (zone == "Z")
    zone = "+00:00";
  else if (!zone.empty() && zone.find(':') == std::string::npos)
    zone += ":00";
  if (zone.size() == 5)
    zone.insert(1, "0");
  return date + " " + time + fraction + zone;
}

/// The Python value safe_load would give, as a template value: YAML's
/// types map one to one, and a timestamp becomes the text its str() prints.
render::Value toValue(const graph::Node *n) {
  using render::Value;
  switch (n->kind) {
  case graph::Kind::Null:
    return Value::none();
  case graph::Kind::Bool:
    return Value::boolean(n->boolValue);
  case graph::Kind::Int:
    return Value::integer(n->intValue);
  case graph::Kind::Float:
    return Value::real(n->floatValue);
  case graph::Kind::Str:
    return Value::str(n->str);
  case graph::Kind::List:
  case graph::Kind::Tuple: {
    render::List items;
    for (const graph::Node *item : n->items)
      items.push_back(toValue(item));
    return n->kind == graph::Kind::List ? Value::list(std::move(items)) : Value::tuple(std::move(items));
  }
  case graph::Kind::Dict: {
    auto d = std::make_shared<render::Dict>();
    for (const auto &[k, v] : n->entries)
      d->set(toValue(k), toValue(v));
    return Value::dict(d);
  }
  case graph::Kind::Unsupported:
    if (n->str.rfind("datetime", 0) == 0)
      return Value::str(datetimeText(n->written, n->str == "datetime.date"));
    throw UsageError("-D values of type " + n->str + " are not supported");
  default:
    // safe_load knows no custom tags.
    throw UsageError("-D value: could not determine a constructor for the tag '" + n->spec + "'");
  }
}

} // namespace

/// VALUE is a whole one-document YAML stream: `-D x=[1, 2]` is a list,
/// `-D x=5e-06` a string (spec section 6.3), an empty VALUE None.
render::Value parseDefineValue(const std::string &text) {
  SourceManager sources;
  const SourceFile *file = sources.add("<-D value>", text);
  yaml::PpLocator where(file, nullptr);
  try {
    std::unique_ptr<yaml::Document> doc = yaml::parseDocument(text, where);
    std::unique_ptr<graph::Graph> g = graph::buildGraph(*doc, where, /*isConfig=*/false);
    return g->root ? toValue(g->root) : render::Value::none();
  } catch (const FatalError &e) {
    throw UsageError("-D value '" + text + "' is not a YAML flow value: " + e.diag().message);
  }
}

} // namespace fgcc
