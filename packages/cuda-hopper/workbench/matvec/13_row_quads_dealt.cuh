// Variant 13: variant 12 with four rows per warp.
#pragma once
#define MK_ROW_GROUP 4
#include "row_groups_dealt.cuh"
