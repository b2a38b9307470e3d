// Variant 09: variant 03 with shared-space loads and reductions.
#pragma once
#define MK_SHARED_SPACE_LOADS 1
#include "column_split.cuh"
