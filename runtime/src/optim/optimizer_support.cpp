//===- optimizer_support.cpp - Shared plumbing of the fgrt optimizers ------===//
//
// Option checks, closures, fp32 master copies and optional state fields; see
// optimizer_support.hpp.
//
//===----------------------------------------------------------------------===//
#include "optimizer_support.hpp"

namespace fgrt::optim::detail {

void require_option(bool ok, const std::string &owner, const std::string &field, const std::string &problem) {
  if (!ok)
    throw std::runtime_error(owner + ": option '" + field + "' " + problem);
}

// beta = 1 would freeze a moment at its initial zero and divide by zero in
// the bias correction 1 − beta^t.
void require_betas(const std::string &owner, const std::tuple<double, double> &betas) {
  auto in_unit_interval = [](double beta) { return beta >= 0.0 && beta < 1.0; };
  std::ostringstream got;
  got << "must lie in [0, 1), got (" << std::get<0>(betas) << ", " << std::get<1>(betas) << ")";
  require_option(in_unit_interval(std::get<0>(betas)) && in_unit_interval(std::get<1>(betas)), owner, "betas",
                 got.str());
}

std::string shape_string(const torch::Tensor &tensor) {
  std::ostringstream out;
  out << tensor.sizes();
  return out.str();
}

void require_matrix(const std::string &owner, const torch::Tensor &param) {
  if (param.dim() != 2)
    throw std::runtime_error(owner + ": parameter of shape " + shape_string(param) + " is not a matrix; " + owner +
                             " only updates 2-D parameters (route biases, norms and other parameters to another "
                             "optimizer with Multiopt)");
}

void require_all_matrices(const std::string &owner, const torch::optim::Optimizer &optimizer) {
  for (const auto &group : optimizer.param_groups())
    for (const auto &param : group.params())
      require_matrix(owner, param);
}

// The closure computes a loss and its gradients, which the caller's
// NoGradGuard (or an outer one) must not suppress.
torch::Tensor run_closure(const torch::optim::Optimizer::LossClosure &closure) {
  if (!closure)
    return {};
  torch::AutoGradMode enable_grad(true);
  return closure();
}

std::vector<torch::optim::OptimizerParamGroup> single_group(std::vector<torch::Tensor> params) {
  return {torch::optim::OptimizerParamGroup(std::move(params))};
}

torch::ScalarType working_dtype(const torch::Tensor &param) {
  auto dtype = param.scalar_type();
  return (dtype == torch::kHalf || dtype == torch::kBFloat16) ? torch::kFloat32 : dtype;
}

// Returning the parameter itself for fp32 keeps the common case free of
// copies: the update then lands in place and store_master does nothing.
torch::Tensor master_copy(const torch::Tensor &param) {
  if (working_dtype(param) == param.scalar_type())
    return param;
  return param.to(torch::kFloat32);
}

void store_master(torch::Tensor &param, const torch::Tensor &master) {
  if (!master.is_same(param))
    param.copy_(master);
}

void write_optional_tensor(torch::serialize::OutputArchive &archive, const std::string &key,
                           const torch::Tensor &tensor) {
  if (tensor.defined())
    archive.write(key, tensor);
}

torch::Tensor read_optional_tensor(torch::serialize::InputArchive &archive, const std::string &key) {
  torch::Tensor tensor;
  if (!archive.try_read(key, tensor))
    return {};
  return tensor;
}

} // namespace fgrt::optim::detail
