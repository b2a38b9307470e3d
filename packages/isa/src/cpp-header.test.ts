import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CPP_HEADER_PATH, generateCppHeader } from './cpp-header.js';
import { encodeInstruction } from './encode.js';
import { INSTRUCTION_FIELDS, type Instruction } from './instruction-layout.js';
import { OPCODES, Op } from './opcodes.js';
import type { TensorEntry } from './program-types.js';
import { encodeTensorTable } from './tensor-table.js';
import { arbInstruction } from './testing/arbitraries.js';

const repoRoot = resolve(__dirname, '../../..');
const hasGpp = spawnSync('g++', ['--version']).status === 0;
if (!hasGpp) console.warn('cpp-header.test: g++ not found, SKIPPING the C++ decode test');

const f32Bits = (v: number): number => new Uint32Array(new Float32Array([v]).buffer)[0]!;

// The C++ side prints every field by name; floats as their bit patterns so the comparison is exact.
function decoderSource(): string {
  const prints = INSTRUCTION_FIELDS.map((f) =>
    f.type === 'f32'
      ? `{ uint32_t b; memcpy(&b, &inst.${f.name}, 4); printf(" ${f.name}=%u", b); }`
      : `printf(" ${f.name}=%u", unsigned(inst.${f.name}));`,
  ).join('\n      ');
  return `#include "isa.h"
#include <cstdio>
#include <vector>
using namespace mk;
static std::vector<unsigned char> slurp(const char* path) {
  std::vector<unsigned char> v;
  FILE* f = fopen(path, "rb");
  int c;
  while ((c = fgetc(f)) != EOF) v.push_back((unsigned char)c);
  fclose(f);
  return v;
}
int main(int argc, char** argv) {
  if (argc < 3) return 2;
  std::vector<unsigned char> q = slurp(argv[1]);
  for (size_t o = 0; o + INSTRUCTION_BYTES <= q.size(); o += INSTRUCTION_BYTES) {
    Instruction inst = load_instruction(q.data() + o);
    printf("I");
    ${prints}
    printf(" exec=%d name=%s\\n", int(is_executable_opcode(inst.opcode)), opcode_name(inst.opcode));
  }
  std::vector<unsigned char> t = slurp(argv[2]);
  for (size_t o = 0; o + TENSOR_DESC_BYTES <= t.size(); o += TENSOR_DESC_BYTES) {
    TensorDesc d = load_tensor_desc(t.data() + o);
    printf("T %llu %u %u %u %u %u %u %u %llu %llu\\n", (unsigned long long)d.byteOffset, d.region, d.dtype, d.rank,
           d.shape[0], d.shape[1], d.shape[2], d.shape[3], (unsigned long long)tensor_elements(d),
           (unsigned long long)tensor_bytes(d));
  }
  // counter helpers on fixed cases: value threshold reached
  const uint32_t cases[][4] = {{5, 3, 0, 0}, {5, 3, 1, 0}, {100, 7, 13, 1}, {1000, 4294967, 800, 0}, {1000, 4294967, 4294967000u, 0}};
  for (auto& c : cases) {
    uint32_t th = wait_threshold(c[0], c[1], c[3] != 0);
    printf("C %u %d\\n", th, int(counter_reached(c[2], th)));
  }
  return 0;
}
`;
}

describe('generated C++ header', () => {
  it('the committed header is exactly what generateCppHeader() produces (run gen:header to update)', () => {
    const committed = readFileSync(join(repoRoot, CPP_HEADER_PATH), 'utf8');
    expect(committed).toBe(generateCppHeader());
  });

  it('is deterministic and names every opcode with its value', () => {
    const h = generateCppHeader();
    expect(generateCppHeader()).toBe(h);
    for (const o of OPCODES) {
      expect(h).toContain(
        `constexpr uint8_t OP_${o.name} = 0x${o.value.toString(16).toUpperCase().padStart(2, '0')};`,
      );
    }
    expect(h).toContain('constexpr uint8_t OP_MATVEC = 0x31;');
  });

  it.skipIf(!hasGpp)('g++ decodes bytes written by the TypeScript encoder to the same field values', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mk-isa-h-'));
    writeFileSync(join(dir, 'decode.cpp'), decoderSource());
    execFileSync('g++', [
      '-std=c++17',
      '-Wall',
      '-Wextra',
      '-Werror',
      `-I${join(repoRoot, 'packages/cuda-hopper/csrc/generated')}`,
      join(dir, 'decode.cpp'),
      '-o',
      join(dir, 'decode'),
    ]);

    const insts: Instruction[] = fc.sample(arbInstruction(), { numRuns: 300, seed: 42 });
    const queue = new Uint8Array(insts.length * 64);
    insts.forEach((inst, i) => {
      encodeInstruction(inst, queue, i * 64);
    });
    const tensors: TensorEntry[] = [
      { id: 0, name: 'w', dtype: 'bf16', shape: [3072, 2048], region: 'weights', byteOffset: 2 ** 34 + 64 },
      { id: 1, name: 'kv', dtype: 'f32', shape: [2, 8, 4, 64], region: 'state', byteOffset: 128 },
      { id: 2, name: 'tok', dtype: 'i32', shape: [7], region: 'state', byteOffset: 0 },
      { id: 3, name: 'scalar', dtype: 'u32', shape: [], region: 'state', byteOffset: 4096 },
    ];
    writeFileSync(join(dir, 'q.bin'), queue);
    writeFileSync(join(dir, 't.bin'), encodeTensorTable(tensors));
    const out = execFileSync(join(dir, 'decode'), [join(dir, 'q.bin'), join(dir, 't.bin')], {
      encoding: 'utf8',
    });
    const lines = out.trim().split('\n');

    const iLines = lines.filter((l) => l.startsWith('I '));
    expect(iLines).toHaveLength(insts.length);
    insts.forEach((inst, i) => {
      const known = OPCODES.find((o) => o.value === inst.opcode);
      const fields = INSTRUCTION_FIELDS.map(
        (f) => `${f.name}=${f.type === 'f32' ? f32Bits(inst[f.name]) : inst[f.name]}`,
      ).join(' ');
      const exec = known?.status === 'executable' ? 1 : 0;
      expect(iLines[i]).toBe(`I ${fields} exec=${exec} name=${known?.name ?? '?'}`);
    });

    expect(lines.filter((l) => l.startsWith('T '))).toEqual([
      `T ${2 ** 34 + 64} 0 1 2 3072 2048 1 1 6291456 12582912`,
      'T 128 1 0 4 2 8 4 64 4096 16384',
      'T 0 1 3 1 7 1 1 1 7 28',
      'T 4096 1 4 0 1 1 1 1 1 4',
    ]);
    // wait_threshold(target, epoch, prev) and counter_reached(value, threshold), computed by hand:
    // 5*(3+1)=20 not reached by 0 or 1; 100*7=700 (previous step) not reached by 13;
    // 1000*4294968 = 4294968000 wraps to 704: a counter that wrapped to 800 has reached it,
    // one at 4294967000 (1000 short, not yet wrapped) has not.
    expect(lines.filter((l) => l.startsWith('C '))).toEqual([
      'C 20 0',
      'C 20 0',
      'C 700 0',
      'C 704 1',
      'C 704 0',
    ]);
    expect(Op.MATVEC).toBe(0x31);
  });
});
