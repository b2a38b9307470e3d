// Variant 04: pairs of rows per warp sharing each input load, float4 lane steps (no bank conflicts).
#pragma once
#include "row_pairs.cuh"
