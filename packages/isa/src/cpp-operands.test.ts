import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCppHeader } from './cpp-header.js';
import { executableOpcodeList, operandAccessors, weightStreamTable } from './cpp-operands.js';
import { OPCODES, type OpcodeInfo, opcodeByName } from './opcodes.js';

const repoRoot = resolve(__dirname, '../../..');
const hasGpp = spawnSync('g++', ['--version']).status === 0;
const executable = OPCODES.filter((o) => o.status === 'executable');
const op = (name: string): OpcodeInfo => opcodeByName(name)!;
const withTensors = (o: OpcodeInfo, tensors: OpcodeInfo['tensors']): OpcodeInfo => ({ ...o, tensors });
const withArgs = (o: OpcodeInfo, args: OpcodeInfo['args']): OpcodeInfo => ({ ...o, args });

describe('generated operand accessors', () => {
  const h = operandAccessors().join('\n');
  it('one struct per executable opcode, every operand named with its slot, field or mask', () => {
    const q = h.slice(h.indexOf('struct FusedNormQkvRopeOps {'));
    const body = q.slice(0, q.indexOf('};'));
    for (const line of [
      'static constexpr uint8_t kOpcode = OP_FUSED_NORM_QKV_ROPE;',
      'static constexpr uint32_t kSlotNormParams = 1;',
      'static constexpr uint32_t kSlotRope = 6;',
      'static constexpr uint8_t kFlagLayerNorm = 0x01;',
      'MK_HD const auto& norm_params() const { return p.t[kSlotNormParams]; }',
      'MK_HD const auto& w() const { return p.t[kSlotW]; }',
      'MK_HD uint32_t row_count() const { return p.inst.a1; }',
      'MK_HD float eps() const { return p.inst.f0; }',
      'MK_HD bool layer_norm() const { return (p.inst.flags & kFlagLayerNorm) != 0; }',
    ]) {
      expect(body).toContain(line);
    }
    expect(h).toContain('MK_HD uint8_t activation() const { return (p.inst.flags & kFlagActivation) >> 4; }');
    expect(h).toContain('MK_HD const auto& partial_o() const');
    expect(h.match(/^struct \w+Ops \{$/gm)).toHaveLength(executable.length);
  });
  it('refuses operand names that would collide or are not C++ identifiers', () => {
    const rope = op('ROPE_EMBED');
    const twice = withTensors(rope, [rope.tensors[0]!, { ...rope.tensors[1]!, name: 'x' }]);
    expect(() => operandAccessors([twice])).toThrow(/taken twice/);
    expect(() => operandAccessors([withTensors(rope, [{ ...rope.tensors[0]!, name: 'default' }])])).toThrow(
      /unusable/,
    );
  });
});

describe('generated weight-stream table', () => {
  it("lists the 'stream' operands of every streaming opcode, optional ones flagged", () => {
    const t = weightStreamTable().join('\n');
    expect(t).toContain('X(MATVEC, 1, 1, false, 0, false, 0, true)');
    expect(t).toContain('X(FUSED_NORM_GATE_UP_ACT, 2, 2, true, 3, false, 0, false)');
    expect(t).toContain('X(FUSED_NORM_QKV_ROPE, 1, 2, false, 0, false, 0, false)');
    const streaming = executable.filter((o) => o.tensors.some((x) => x.role === 'stream'));
    expect(t.match(/^ {2}X\(/gm)).toHaveLength(streaming.length);
  });
  it('refuses a streaming opcode that breaks the conventions plan_weight_streams relies on', () => {
    const mv = op('MATVEC');
    const [a0, a1, ...rest] = mv.args;
    const swapped = [{ ...a0!, field: 'a1' as const }, { ...a1!, field: 'a0' as const }, ...rest];
    expect(() => weightStreamTable([withArgs(mv, swapped)])).toThrow(/rowStart = a0/);
    expect(() => weightStreamTable([withTensors(mv, mv.tensors.slice(1))])).toThrow(/input vector named x/);
    const w = mv.tensors[1]!;
    expect(() =>
      weightStreamTable([
        withTensors(
          mv,
          mv.tensors.map((x) => (x === w ? { ...w, optional: true } : x)),
        ),
      ]),
    ).toThrow(/no required stream/);
  });
});

describe('executable opcode list', () => {
  it('names every executable opcode with its accessor struct', () => {
    const l = executableOpcodeList().join('\n');
    for (const o of executable) expect(l).toContain(`X(${o.name}, `);
    expect(l).toContain('X(FUSED_NORM_GATE_UP_ACT, FusedNormGateUpActOps)');
  });
});

describe.skipIf(!hasGpp)('the accessors compile and read the right fields (g++)', () => {
  it('instantiates every struct on a plan-like type', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mk-isa-ops-'));
    writeFileSync(join(dir, 'isa.h'), generateCppHeader());
    writeFileSync(
      join(dir, 'ops.cpp'),
      `#include "isa.h"
#include <cstdio>
using namespace mk;
struct T { int slot; };
struct P { Instruction inst; T t[8]; };
#define USE(NAME, OPS) { const OPS<P> o(p); (void)o; static_assert(OPS<P>::kOpcode == OP_##NAME, #NAME); }
#define STREAMS(NAME, COUNT, S0, O0, S1, O1, IN, KR) printf("%s %d %d %d %d %d %d %d\\n", #NAME, COUNT, S0, int(O0), S1, int(O1), IN, int(KR));
int main() {
  P p{};
  for (int i = 0; i < 8; ++i) p.t[i].slot = i;
  p.inst.a0 = 7; p.inst.a1 = 9; p.inst.flags = 0x25; p.inst.f0 = 1.5f;
  MK_EXECUTABLE_OPCODES(USE)
  const FusedNormGateUpActOps g(p);
  printf("%d %d %d %d %d %d %g %u %u %d %d\\n", g.x().slot, g.wgate().slot, g.wup().slot, g.up_bias().slot, g.out().slot,
         int(g.activation()), g.eps(), g.row_start(), g.row_count(), int(g.gated()), int(g.layer_norm()));
  MK_WEIGHT_STREAMS(STREAMS)
  return 0;
}
`,
    );
    const gen = join(repoRoot, 'packages/cuda-hopper/csrc/generated');
    execFileSync('g++', [
      '-std=c++17',
      '-Wall',
      '-Wextra',
      '-Werror',
      `-I${dir}`,
      `-I${gen}`,
      join(dir, 'ops.cpp'),
      '-o',
      join(dir, 'ops'),
    ]);
    const lines = execFileSync(join(dir, 'ops'), { encoding: 'utf8' }).trim().split('\n');
    // flags 0x25: layerNorm (0x01), gated (0x04), activation 2 (0x20 >> 4).
    expect(lines[0]).toBe('0 2 3 5 6 2 1.5 7 9 1 1');
    expect(lines).toContain('FUSED_NORM_GATE_UP_ACT 2 2 1 3 0 0 0');
    expect(lines).toContain('MATVEC 1 1 0 0 0 0 1');
  });
});
