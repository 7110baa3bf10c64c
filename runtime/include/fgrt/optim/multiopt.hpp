//===- multiopt.hpp - Several optimizers behind one -----------*- C++ -*-===//
//
// Multiopt gives different parameters different optimizers: each named
// parameter goes to the FIRST route whose regex (std::regex_search,
// ECMAScript) matches its name, and each route's factory builds a child
// optimizer from the parameters routed to it (in named_parameters order).
// A typical use sends the 2-D weights to Muon or Apollo and the biases,
// norms and embeddings to AdamW. A parameter no route matches is an error
// naming it, so nothing is silently left untrained; a route no parameter
// matches builds no child. A config writes the routes as
// `!singleton:fgrt.optim:MultioptRoute` entries and gives the Multiopt
// partial to the Trainer's named_optimizer_factory, which supplies
// named_parameters (stdlib-templates/optimizers/muon.yaml).
//
// step() runs every child's step (the closure, if any, is evaluated once by
// Multiopt); zero_grad() of the base class clears every routed parameter.
//
// LR schedulers: Multiopt's own param_groups() are mirrors of the children's
// groups, one per child group, in route order, holding the same parameters
// and a MultioptOptions with that group's lr. A scheduler built on the
// Multiopt sets the mirrors' lr; step() pushes each mirror's lr into its
// child group before stepping the children, so one scheduler drives all of
// them (the reference concatenates the children's group dicts instead,
// which Python's shared dicts make equivalent).
//
// Checkpoints hold EVERY child's state, under its route name, plus the
// mirrors' lrs; the reference's state_dict loses the children's state.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <torch/torch.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace fgrt::optim {

/// Builds a child optimizer for the parameters routed to it.
using OptimizerFactory = std::function<std::unique_ptr<torch::optim::Optimizer>(std::vector<torch::Tensor>)>;

/// One route of a Multiopt.
struct MultioptRoute {
  /// A route as configs write it (`!singleton:fgrt.optim:MultioptRoute`
  /// with name, pattern and factory). The factory's type is spelled out
  /// rather than OptimizerFactory because configs see this type.
  MultioptRoute(std::string name, std::string pattern,
                std::function<std::unique_ptr<torch::optim::Optimizer>(std::vector<torch::Tensor>)> factory)
      : name(std::move(name)), pattern(std::move(pattern)), factory(std::move(factory)) {}

  /// Names the child optimizer in errors and checkpoints (unique).
  std::string name;
  /// ECMAScript regex searched for in each parameter name.
  std::string pattern;
  /// Builds the child from the parameters whose first matching route is this.
  OptimizerFactory factory;
};

/// The options of a mirror group: only its lr, which a scheduler sets.
struct MultioptOptions : public torch::optim::OptimizerCloneableOptions<MultioptOptions> {
  /// Options with learning rate `lr`.
  MultioptOptions(double lr = 0.0);
  /// Learning rate pushed to the mirrored child group before each step.
  TORCH_ARG(double, lr) = 0.0;

public:
  /// Reads the options from a checkpoint.
  void serialize(torch::serialize::InputArchive &archive) override;
  /// Writes the options into a checkpoint.
  void serialize(torch::serialize::OutputArchive &archive) const override;
  /// The learning rate, for LR schedulers.
  double get_lr() const override { return lr(); }
  /// Sets the learning rate, for LR schedulers.
  void set_lr(const double new_lr) override { lr(new_lr); }
};

/// Routes parameters to child optimizers by regex (see the file comment).
class Multiopt : public torch::optim::Optimizer {
public:
  /// Routes `named_parameters` (as Module::named_parameters() returns them)
  /// through `routes`. Throws std::runtime_error for an unmatched parameter,
  /// an invalid regex, a duplicate route name or a factory returning null.
  Multiopt(const torch::OrderedDict<std::string, torch::Tensor> &named_parameters, std::vector<MultioptRoute> routes);

  /// Pushes the mirror lrs into the children, then steps every child.
  torch::Tensor step(LossClosure closure = nullptr) override;
  /// Writes every child's state under its route name and the mirror lrs.
  void save(torch::serialize::OutputArchive &archive) const override;
  /// Restores what `save` wrote; throws std::runtime_error if the checkpoint
  /// lacks a child or has different ones.
  void load(torch::serialize::InputArchive &archive) override;

  /// Names of the routes that received parameters (one child each), in
  /// route order.
  std::vector<std::string> child_names() const;
  /// The child optimizer of route `route_name`; throws std::runtime_error if
  /// that route has no child.
  torch::optim::Optimizer &child(const std::string &route_name);
  /// The route parameter `param_name` was sent to.
  const std::string &route_of(const std::string &param_name) const;

private:
  struct Child {
    std::string name;
    std::unique_ptr<torch::optim::Optimizer> optimizer;
  };
  void build_children(const torch::OrderedDict<std::string, torch::Tensor> &named_parameters,
                      const std::vector<MultioptRoute> &routes);
  void add_mirror_groups();
  void push_lrs_to_children();

  std::vector<Child> children_;
  std::map<std::string, std::string> route_of_;
};

} // namespace fgrt::optim
