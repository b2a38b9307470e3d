/**
 * The facts about this machine that decide whether an addon can run here, in words for a decline
 * message: platform, glibc, NVIDIA driver and GPUs. The driver and GPUs come from a probe when one
 * ran, else from the kernel module's /proc files, which need no addon and no CUDA call.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { NativeProbe } from './native-addon.js';

export interface SystemFacts {
  readonly platform: string;
  readonly arch: string;
  /** undefined: no glibc (musl, macOS, Windows). */
  readonly glibc?: string;
  /** The NVIDIA kernel module's version ("550.54.15"), undefined when none is loaded. */
  readonly driver?: string;
  /** GPU models the kernel module lists. */
  readonly gpus: readonly string[];
}

/** The running system's glibc version, or undefined (musl, macOS, Windows). */
export function glibcRuntime(): string | undefined {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report?.header?.glibcVersionRuntime;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** `procRoot` is a parameter so tests can hand in a folder shaped like /proc. */
export function readSystemFacts(procRoot = '/proc'): SystemFacts {
  const nvidia = path.join(procRoot, 'driver', 'nvidia');
  // "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  ..." (or "Open Kernel Module for x86_64").
  const driver = readText(path.join(nvidia, 'version'))?.match(
    /Kernel Module(?: for \S+)?\s+(\d+(?:\.\d+)+)/,
  )?.[1];
  let gpus: string[] = [];
  try {
    gpus = fs
      .readdirSync(path.join(nvidia, 'gpus'))
      .sort()
      .map(
        (bus) => readText(path.join(nvidia, 'gpus', bus, 'information'))?.match(/^Model:\s*(.+?)\s*$/m)?.[1],
      )
      .filter((m): m is string => m !== undefined);
  } catch {
    // No driver, or not Linux.
  }
  const glibc = glibcRuntime();
  return {
    platform: process.platform,
    arch: process.arch,
    ...(glibc ? { glibc } : {}),
    ...(driver ? { driver } : {}),
    gpus,
  };
}

/** A CUDA version number as the driver API reports it (12040) in words ("12.4"). */
export function cudaVersion(v: number): string {
  return `${Math.floor(v / 1000)}.${Math.floor((v % 1000) / 10)}`;
}

/**
 * "linux x64, glibc 2.36, NVIDIA driver 550.54.15 (CUDA 12.4), GPU NVIDIA H200": what a decline
 * message names. A probe's devices and CUDA driver version win over /proc's when it ran.
 */
export function describeSystem(facts: SystemFacts, probe?: NativeProbe): string {
  const parts = [`${facts.platform} ${facts.arch}`, facts.glibc ? `glibc ${facts.glibc}` : 'no glibc'];
  const cuda = probe && probe.driverVersion > 0 ? `CUDA ${cudaVersion(probe.driverVersion)}` : undefined;
  if (facts.driver) parts.push(`NVIDIA driver ${facts.driver}${cuda ? ` (${cuda})` : ''}`);
  else if (cuda) parts.push(`NVIDIA driver with ${cuda}`);
  else parts.push('no NVIDIA driver loaded');
  const gpus =
    probe && probe.devices.length > 0
      ? probe.devices.map((d) => `${d.name} (compute capability ${d.computeCapability})`)
      : facts.gpus;
  parts.push(gpus.length === 0 ? 'no NVIDIA GPU' : `GPU ${gpus.join(', ')}`);
  return parts.join(', ');
}
