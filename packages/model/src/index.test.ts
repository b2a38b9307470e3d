import { describe, expect, it } from 'vitest';
import * as model from './index.js';

describe('public surface', () => {
  it('exports its package name', () => {
    expect(model.PACKAGE_NAME).toBe('@megakernel/model');
  });

  it('exports the loaders, the safetensors reader and writer, and the named errors', () => {
    for (const fn of [
      model.loadCheckpoint,
      model.loadTokenizer,
      model.parseHfConfig,
      model.openSafetensors,
      model.writeSafetensors,
      model.writeShardedSafetensors,
      model.materializeWeightSource,
      model.weightSourceShape,
    ]) {
      expect(typeof fn).toBe('function');
    }
    for (const E of [
      model.ConfigError,
      model.UnsupportedArchitectureError,
      model.MissingTensorError,
      model.TensorShapeError,
      model.SafetensorsFormatError,
      model.CheckpointFolderError,
      model.NonFiniteWeightError,
    ]) {
      expect(E.prototype).toBeInstanceOf(model.ModelError);
    }
  });

  it('names errors after their class', () => {
    expect(new model.ConfigError('config.json', 'x', 'bad').name).toBe('ConfigError');
    expect(new model.ConfigError('config.json', 'x', 'bad')).toBeInstanceOf(Error);
  });
});
