//===- multiopt.cpp - Several optimizers behind one ------------------------===//
//
// Routing, mirror groups and checkpoints are documented in
// fgrt/optim/multiopt.hpp.
//
//===----------------------------------------------------------------------===//
#include "fgrt/optim/multiopt.hpp"

#include "optimizer_support.hpp"

#include <regex>
#include <set>

namespace fgrt::optim {

MultioptOptions::MultioptOptions(double lr) : lr_(lr) {}

void MultioptOptions::serialize(torch::serialize::OutputArchive &archive) const {
  detail::write_value(archive, "lr", lr());
}

void MultioptOptions::serialize(torch::serialize::InputArchive &archive) {
  lr(detail::read_value<double>(archive, "lr"));
}

namespace {

/// The route's regex; a syntax error is a configuration error, reported
/// with the route's name rather than std::regex's bare message.
std::regex compile_route(const MultioptRoute &route) {
  try {
    return std::regex(route.pattern, std::regex::ECMAScript);
  } catch (const std::regex_error &error) {
    throw std::runtime_error("Multiopt: route '" + route.name + "' has an invalid regex \"" + route.pattern +
                             "\": " + error.what());
  }
}

/// "name: \"pattern\", ..." for the unmatched-parameter message, so the
/// user sees which patterns the name was tried against.
std::string describe_patterns(const std::vector<MultioptRoute> &routes) {
  std::string listed;
  for (const auto &route : routes)
    listed += (listed.empty() ? "" : ", ") + route.name + ": \"" + route.pattern + "\"";
  return listed;
}

/// Route names key the children in checkpoints, so two equal names would
/// make one child's state overwrite the other's.
void require_unique_names(const std::vector<MultioptRoute> &routes) {
  std::set<std::string> seen;
  for (const auto &route : routes)
    if (!seen.insert(route.name).second)
      throw std::runtime_error("Multiopt: two routes are named '" + route.name + "'; route names must be unique");
}

/// The archive key of a child's state.
std::string child_key(const std::string &name) { return "child/" + name; }

} // namespace

Multiopt::Multiopt(const torch::OrderedDict<std::string, torch::Tensor> &named_parameters,
                   std::vector<MultioptRoute> routes)
    : Optimizer(std::vector<torch::optim::OptimizerParamGroup>{}, std::make_unique<MultioptOptions>()) {
  // The base starts empty: its groups (the mirrors) can only be added once
  // the children exist.
  require_unique_names(routes);
  build_children(named_parameters, routes);
  add_mirror_groups();
}

void Multiopt::build_children(const torch::OrderedDict<std::string, torch::Tensor> &named_parameters,
                              const std::vector<MultioptRoute> &routes) {
  std::vector<std::regex> patterns;
  for (const auto &route : routes)
    patterns.push_back(compile_route(route));
  // Parameters are collected per route first, so each factory is called
  // once with all of its parameters in named_parameters order.
  std::vector<std::vector<torch::Tensor>> routed(routes.size());
  for (const auto &item : named_parameters) {
    size_t index = 0;
    while (index < routes.size() && !std::regex_search(item.key(), patterns[index]))
      ++index;
    if (index == routes.size())
      throw std::runtime_error("Multiopt: parameter '" + item.key() + "' matches no route (" +
                               describe_patterns(routes) + ")");
    routed[index].push_back(item.value());
    route_of_[item.key()] = routes[index].name;
  }
  for (size_t i = 0; i < routes.size(); ++i) {
    // An optimizer over nothing would only clutter checkpoints (and Python's
    // refuse empty parameter lists), so an unused route builds no child.
    if (routed[i].empty())
      continue;
    auto optimizer = routes[i].factory(routed[i]);
    if (!optimizer)
      throw std::runtime_error("Multiopt: the factory of route '" + routes[i].name + "' returned no optimizer");
    children_.push_back({routes[i].name, std::move(optimizer)});
  }
}

// The mirrors start with the children's own lrs, so a scheduler built on
// the Multiopt records the lrs the factories chose as its base lrs.
void Multiopt::add_mirror_groups() {
  for (auto &child : children_)
    for (auto &group : child.optimizer->param_groups())
      add_param_group(torch::optim::OptimizerParamGroup(group.params(),
                                                        std::make_unique<MultioptOptions>(group.options().get_lr())));
}

// Mirror k belongs to the k-th child group in (child, group) order, the
// order add_mirror_groups created them in.
void Multiopt::push_lrs_to_children() {
  size_t mirror = 0;
  for (auto &child : children_)
    for (auto &group : child.optimizer->param_groups())
      group.options().set_lr(param_groups_[mirror++].options().get_lr());
}

torch::Tensor Multiopt::step(LossClosure closure) {
  // The closure runs once here; children get none, or each would rerun the
  // forward and backward pass.
  torch::Tensor loss = detail::run_closure(closure);
  push_lrs_to_children();
  for (auto &child : children_)
    child.optimizer->step();
  return loss;
}

void Multiopt::save(torch::serialize::OutputArchive &archive) const {
  // The child list goes first so that load can refuse a checkpoint of a
  // differently routed model before touching any child.
  detail::write_value(archive, "children", child_names());
  for (const auto &child : children_) {
    torch::serialize::OutputArchive child_archive(archive.compilation_unit());
    child.optimizer->save(child_archive);
    archive.write(child_key(child.name), child_archive);
  }
  // float64, so the lrs come back bit for bit.
  std::vector<double> lrs;
  for (const auto &group : param_groups_)
    lrs.push_back(group.options().get_lr());
  archive.write("group_lrs", torch::tensor(lrs, torch::kFloat64));
}

void Multiopt::load(torch::serialize::InputArchive &archive) {
  std::vector<std::string> saved_children;
  detail::rethrow_load_errors(
      "Multiopt", [&] { saved_children = detail::read_value<std::vector<std::string>>(archive, "children"); });
  if (saved_children != child_names())
    throw std::runtime_error("Multiopt: the checkpoint holds the children [" + c10::Join(", ", saved_children) +
                             "], this optimizer has [" + c10::Join(", ", child_names()) + "]");
  for (auto &child : children_) {
    torch::serialize::InputArchive child_archive;
    detail::rethrow_load_errors("Multiopt (route '" + child.name + "')",
                                [&] { archive.read(child_key(child.name), child_archive); });
    child.optimizer->load(child_archive);
  }
  torch::Tensor lrs;
  detail::rethrow_load_errors("Multiopt", [&] { archive.read("group_lrs", lrs); });
  if (lrs.numel() != int64_t(param_groups_.size()))
    throw std::runtime_error("Multiopt: the checkpoint has " + std::to_string(lrs.numel()) + " group lrs, expected " +
                             std::to_string(param_groups_.size()));
  // The mirrors are authoritative: they are what a scheduler set last.
  for (size_t i = 0; i < param_groups_.size(); ++i)
    param_groups_[i].options().set_lr(lrs[int64_t(i)].item<double>());
  push_lrs_to_children();
}

std::vector<std::string> Multiopt::child_names() const {
  std::vector<std::string> names;
  for (const auto &child : children_)
    names.push_back(child.name);
  return names;
}

torch::optim::Optimizer &Multiopt::child(const std::string &route_name) {
  for (auto &child : children_)
    if (child.name == route_name)
      return *child.optimizer;
  throw std::runtime_error("Multiopt: route '" + route_name + "' has no child optimizer (no parameter matched it)");
}

const std::string &Multiopt::route_of(const std::string &param_name) const {
  auto found = route_of_.find(param_name);
  if (found == route_of_.end())
    throw std::runtime_error("Multiopt: no parameter named '" + param_name + "'");
  return found->second;
}

} // namespace fgrt::optim
