//===- fuzz_render.cpp - libFuzzer target: preprocess + render ------------===//
//
// Feeds arbitrary bytes through the template front end as a config file
// (split, preprocessed and rendered in both comment modes, with a second
// template available for extends/include/import). Any input must end in a
// result or a FatalError: never a crash, a hang, or unbounded memory.
// The input is split at the first NUL into the config and the helper
// template `h.yaml`.
//
//===----------------------------------------------------------------------===//
#include "load/TemplateLoader.h"
#include "render/Environment.h"
#include "render/Globals.h"
#include "render/LineMap.h"
#include "support/PyText.h"

#include <cstdint>
#include <string>

using namespace fgcc;

namespace {

void renderOnce(const std::string &config, const std::string &helper, CommentMode mode) {
  SourceManager sources;
  TemplateLoader loader(sources, {});
  loader.addTemplate("h.yaml", helper);
  render::RenderLimits limits;
  // Tighter than the defaults so that each run stays fast.
  limits.maxSteps = 200000;
  limits.maxOutputBytes = 1 << 20;
  limits.maxListItems = 100000;
  limits.maxCallDepth = 60;
  limits.maxRange = 1000;
  render::Environment env(loader, mode, limits);
  render::installGlobals(env.globals(), {"/project", "/workspace"});
  try {
    // Register the parts the way a file load does.
    for (TemplatePart &part : TemplateLoader::split(config))
      loader.addTemplate(part.name.empty() ? "t.yaml" : part.name, std::move(part.text));
    const render::CompiledTemplate &t = env.get("t.yaml", SourceLoc{});
    render::RenderResult r = env.render(t, render::Dict());
    render::LineMap map(r);
    (void)map.origin(1);
  } catch (const FatalError &) {
    // A diagnostic is a fine outcome.
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 64 * 1024)
    return 0;
  std::string input(reinterpret_cast<const char *>(data), size);
  // The loader refuses invalid UTF-8 before anything else sees the text.
  if (py::findInvalidUtf8(input))
    return 0;
  size_t nul = input.find('\0');
  std::string config = input.substr(0, nul);
  std::string helper = nul == std::string::npos ? "" : input.substr(nul + 1);
  renderOnce(config, helper, CommentMode::Delete);
  renderOnce(config, helper, CommentMode::Preserve);
  return 0;
}
