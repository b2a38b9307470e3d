// Variant 01: the kernel up to 2026-12-01 (row per warp, generic loads and float atomics).
#pragma once
#include "row_per_warp.cuh"
