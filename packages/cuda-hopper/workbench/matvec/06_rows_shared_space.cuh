// Variant 06: variant 01 with shared-space loads and plain row adds.
#pragma once
#define MK_SHARED_SPACE_LOADS 1
#include "row_per_warp.cuh"
