// Variant 03: column split, the input vector in registers for the whole instruction.
#pragma once
#include "column_split.cuh"
