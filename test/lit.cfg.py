# lit configuration for fgcc's phase test suites (test/<phase>/).
# Run through tools/run-tests.sh, which sets FGCC and FGCC_TEST_EXEC_ROOT.
import os

import lit.formats

config.name = "fgcc"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".test", ".yaml"]
config.excludes = ["lit.cfg.py", "Inputs", "unit", "oracle", "CMakeLists.txt"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.environ.get("FGCC_TEST_EXEC_ROOT",
                                       os.path.join(config.test_source_root, "..", "build", "lit"))

# FileCheck, not, split-file live in LLVM's bin directory, not on PATH.
config.environment["PATH"] = os.pathsep.join(
    ["/usr/lib/llvm-14/bin", os.environ.get("PATH", "/usr/bin:/bin")])
# Reproducible time globals and no user template directory.
config.environment["SOURCE_DATE_EPOCH"] = "1700000000"
config.environment["TZ"] = "UTC"
config.environment["XDG_CONFIG_HOME"] = "/nonexistent-fgcc-test-config"

fgcc = os.environ.get("FGCC")
if not fgcc:
    fgcc = os.path.join(config.test_source_root, "..", "build", "bin", "fgcc")
# The component scanner and the LibTorch manifest it writes at build time live
# in the same build tree as fgcc. %fgcc-scan comes before %fgcc, of which it
# is an extension.
fgcc_bindir = os.path.dirname(os.path.abspath(fgcc))
config.substitutions.append(("%fgcc-scan", os.path.join(fgcc_bindir, "fgcc-scan")))
# fgrun, the launcher of multi-process runs, is built next to fgcc.
config.substitutions.append(("%fgrun", os.path.join(fgcc_bindir, "fgrun")))
# The pipeline executor's check against one process (test/runtime/dist).
config.substitutions.append(("%fgrt-pipeline-check", os.path.join(fgcc_bindir, "fgrt-pipeline-check")))
config.substitutions.append(("%torch_manifest", os.path.normpath(
    os.path.join(fgcc_bindir, "..", "share", "fgcc", "manifest", "torch.json"))))
config.substitutions.append(("%fgcc", os.path.abspath(fgcc)))
config.substitutions.append(("%python", "/usr/bin/python3"))
config.substitutions.append(("%srcroot", os.path.abspath(os.path.join(config.test_source_root, ".."))))
