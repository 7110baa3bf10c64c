// version.h - the version of fgrt, the runtime library of generated projects.
//
// Generated projects can check these at compile time against the version
// fgcc emitted them for.  MINOR goes up when something is added, MAJOR when
// an existing interface changes incompatibly.
#pragma once

#define FGRT_VERSION_MAJOR 0
#define FGRT_VERSION_MINOR 2
