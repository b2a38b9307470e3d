export * from './instruction-layout.js';
export * from './model-config.js';
export * from './opcodes.js';
export * from './presets.js';
export * from './program-types.js';
export * from './encode.js';
export * from './rope.js';
