/** The checkpoint tensors a weight source reads, for messages and for the tensor table's checks. */
import type { WeightSource } from './program-types.js';

export function weightSourceNames(source: WeightSource): string[] {
  switch (source.kind) {
    case 'tensor':
    case 'transpose':
      return [source.name];
    case 'rows':
    case 'rope-permute':
    case 'add-one':
      return weightSourceNames(source.source);
    case 'concat':
      return [...new Set(source.parts.flatMap(weightSourceNames))];
  }
}
