// A seeded random stories260K-shaped model for tests (generated, never downloaded) and `hyperion infer` on it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ethers } from 'ethers';
import { repoRoot } from './node.mjs';

export const hyperion = path.join(repoRoot, 'hyperion');

/** Writes `hyperion model random --shape stories260K --seed 5` into a fresh directory: { dir, path, bytes, hash }. */
export function makeTestModel(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const file = path.join(dir, 'stories260k-seed5.hqm');
  execFileSync(hyperion, ['model', 'random', '--shape', 'stories260K', '--seed', '5', '--out', file], { stdio: 'pipe' });
  const bytes = fs.readFileSync(file);
  return { dir, path: file, bytes, hash: ethers.keccak256(bytes) };
}

/** `hyperion infer` on a model file: [token ids, text]. */
export function hyperionInfer(modelPath, prompt, maxTokens, { temperature = '0', topP = '0.9', seed = 0 } = {}) {
  const out = execFileSync(hyperion, ['infer', '--model', modelPath, '--prompt', prompt, '--max-tokens', String(maxTokens),
    '--temperature', temperature, '--top-p', topP, '--seed', String(seed)], { encoding: 'utf8' });
  const lines = out.split('\n');
  return [lines[0].trim() === '' ? [] : lines[0].trim().split(' ').map(Number), lines[1]];
}
