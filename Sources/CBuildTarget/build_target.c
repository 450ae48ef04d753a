// CBuildTarget is header-only (include/CBuildTarget.h); a C target needs one source file.
#include "CBuildTarget.h"
