// Variant 12: variant 10 with row pairs per warp (one input load for two rows), pairs dealt across stages.
#pragma once
#define MK_ROW_GROUP 2
#include "row_groups_dealt.cuh"
