// Variant 05: variant 04's float4 lane steps, one row per warp item: the bank-conflict fix alone.
#pragma once
#define MK_ROWS_PER_ITEM 1
#include "row_pairs.cuh"
