import { describe, expect, it } from 'vitest';
import { gpuSupportProblems } from './capabilities.js';
import { CudaProgram } from './device-program.js';
import { UnsupportedProgramError } from './errors.js';
import { tinyProgram } from './test-programs.js';

describe('GPU capability check', () => {
  it('accepts a valid bf16 program', () => {
    expect(gpuSupportProblems(tinyProgram(), 132)).toEqual([]);
  });
  it('names f32 matrix weights (the weight stream is bf16 only)', () => {
    const problems = gpuSupportProblems(tinyProgram({ wDtype: 'f32' }), 132);
    expect(problems.join('\n')).toMatch(/FUSED_NORM_QKV_ROPE: weight 'qkv' is f32/);
  });
  it('names RoPE tiles that would split a pair', () => {
    expect(gpuSupportProblems(tinyProgram({ qkvRows: [1, 126] }), 132).join('\n')).toMatch(/even rows/);
  });
  it('names more queues than SMs', () => {
    expect(gpuSupportProblems(tinyProgram({ queues: 8 }), 4).join('\n')).toMatch(
      /8 queues but the GPU has 4 SMs/,
    );
  });
  it('UnsupportedProgramError lists every problem', () => {
    const e = new UnsupportedProgramError(['a', 'b']);
    expect(e.message).toContain('a\n  b');
    expect(e.problems).toEqual(['a', 'b']);
  });
  it('CudaProgram refuses an unsupported program before touching the GPU', () => {
    const fakeDevice = { info: { smCount: 132 } } as unknown as ConstructorParameters<typeof CudaProgram>[0];
    expect(() => new CudaProgram(fakeDevice, tinyProgram({ wDtype: 'f32' }))).toThrow(
      UnsupportedProgramError,
    );
  });
});
