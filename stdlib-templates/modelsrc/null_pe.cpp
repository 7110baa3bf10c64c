//===- null_pe.cpp - The absent absolute position encoding ----------------===//
#include "null_pe.hpp"

namespace fgcc::nn {

NullPEImpl::NullPEImpl(const NullPEOptions &options_) : options(options_) {}

void NullPEImpl::pretty_print(std::ostream &stream) const { stream << "fgcc::nn::NullPE()"; }

torch::Tensor NullPEImpl::forward(const torch::Tensor &x, const torch::Tensor & /*position_ids*/) { return x; }

} // namespace fgcc::nn
