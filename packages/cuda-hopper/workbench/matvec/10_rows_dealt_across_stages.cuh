// Variant 10 (promoted): variant 08's loads with 4 accumulator chains, and rows of wide stages dealt
// round-robin over the warps across stages, so all 15 warps work instead of 8 (Llama's K = 2048).
#pragma once
#include "../../csrc/matvec_rows.cuh"
