// SwiftPM wants one source file per C target; the declaration is in include/CFuzzerDriver.h.
#include "CFuzzerDriver.h"
