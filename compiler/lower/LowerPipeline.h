//===- LowerPipeline.h - Phase "lower": the compile-time pipeline split --===//
//
// Part of lowerTrainProgram(): the split of a pipeline config's model into
// stages (ModelPlan::pipeline); see LowerPipeline.cpp.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "lower/ModelPlan.h"

namespace fgcc::lower {

/// When the trainer `main` has a `pipeline`, splits `plan.model` into its
/// stages and marks it for seeded construction. Returns false after
/// reporting into `diags` why it cannot; true also without a pipeline.
bool lowerPipeline(const resolve::TypedGraph &typed, const graph::Node &main, const yaml::PpLocator &where,
                   DiagnosticEngine &diags, TrainPlan &plan);

} // namespace fgcc::lower
