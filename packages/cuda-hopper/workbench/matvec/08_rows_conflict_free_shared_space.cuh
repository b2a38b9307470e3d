// Variant 08: variant 05 with shared-space loads and plain row adds.
#pragma once
#define MK_ROWS_PER_ITEM 1
#define MK_SHARED_SPACE_LOADS 1
#include "row_pairs.cuh"
