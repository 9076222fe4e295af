// MetisVM against anvil on the ipsilon evm-benchmarks (issue 15): each benchmark's transaction (one row per call
// data, "name#i" when the fixture has several) as an eth_call from its sender to its contract, with the contract's code installed by state override, timed at the client
// (one HTTP request each). Every node is started first and the runs are interleaved (benchmark by benchmark, node by
// node, one warm-up then --runs timed calls each), so load drift hits every node alike; the median is reported. The
// return data of every node must agree, else the benchmark is flagged.
// Usage: node e2e/bench/evm-bench.mjs [--runs 5] [--warmup 1] [--prewarm-seconds 1] [--sets main,micro] [--only snailtracer,...]
//          [--hyperion label=/path/to/checkout ...] [--anvil 0]
//   --hyperion defaults to this checkout (label "hyperion"); give it more than once to compare builds in one run
//   (e.g. --hyperion main=/tmp/main-checkout --hyperion branch=.). Each checkout's ./hyperion launcher is used.
//   A ":TIER" suffix passes --vm TIER to that node, to compare the interpreter and the compiled tier in one run
//   (e.g. --hyperion interpreter=.:interpreter --hyperion compiled=.:compiled-always).
//   --warmup N untimed calls per benchmark and node first: with 1, Hyperion's interpreter loop may still run as .NET's
//   quick (tier-0) JIT code; ~30 measures the steady state a long-running node reaches (anvil is compiled ahead).
//   --prewarm-seconds S (default 1): before timing anything, every benchmark runs on every node for S seconds (and at
//   least --warmup calls), so the first benchmark does not meet a cold process.
//   --client fetch|http|raw: the HTTP client of every call, for every node alike (e2e/lib/http-rpc.mjs): node's fetch
//   (the default) costs ~1 ms or more of client time a request, most of a small row for both nodes; raw (HTTP/1.1 on
//   one kept-alive socket per node) a tenth of that, so the rows show more of the nodes' own time.
// The fixtures' transactions carry 1,000,000,000 gas (snailtracer needs ~166 M), above a normal block gas limit:
// Hyperion runs with --rpc-gas-cap 0, anvil with --disable-block-gas-limit.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startNode, repoRoot } from '../lib/node.mjs';
import { poster } from '../lib/http-rpc.mjs';

// The usage is this file's opening comment: --help prints it; a bad option names itself and exits 2 (no stack trace).
function usage() {
  const text = fs.readFileSync(new URL(import.meta.url), 'utf8');
  return text.slice(0, text.indexOf('\nimport ')).split('\n').map((line) => line.replace(/^\/\/ ?/, '')).join('\n');
}

function parseArgs(argv) {
  const options = { runs: 5, warmup: 1, 'prewarm-seconds': 1, sets: 'main,micro', only: '', anvil: '1', client: 'fetch', hyperion: [] };
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === '--help' || argv[i] === '-h') {
      console.log(usage());
      process.exit(0);
    }
    const name = argv[i].replace(/^--/, '');
    const value = argv[i + 1];
    if (!(name in options) || value === undefined) {
      console.error(`evm-bench: unknown or incomplete option ${argv[i]}\n\n${usage()}`);
      process.exit(2);
    }
    if (Array.isArray(options[name])) options[name].push(value); else options[name] = value;
  }
  return options;
}

const options = parseArgs(process.argv.slice(2));
if (!['fetch', 'http', 'raw'].includes(options.client)) {
  console.error(`evm-bench: --client ${options.client}: expected fetch, http or raw`);
  process.exit(2);
}
const runs = Number(options.runs);
const warmup = Math.max(1, Number(options.warmup));
const prewarmMs = Number(options['prewarm-seconds']) * 1000;
// The shared fixtures sit beside the checkout (../shared), or beside its parent for a worktree (../../shared).
const fixturesRoot = [process.env.HYPERION_FIXTURES, path.resolve(repoRoot, '../shared/fixtures'), path.resolve(repoRoot, '../../shared/fixtures')]
  .find((dir) => dir && fs.existsSync(path.join(dir, 'evm-benchmarks')));
if (!fixturesRoot) throw new Error('evm-benchmarks fixtures not found: set HYPERION_FIXTURES');
const benchRoot = path.join(fixturesRoot, 'evm-benchmarks', 'benchmarks');
const only = options.only ? new Set(options.only.split(',')) : null;

/** A JSON-RPC quantity (no leading zeros) from the fixtures' zero-padded hex. */
const quantity = (hex) => `0x${BigInt(hex).toString(16)}`;

function loadBenchmarks() {
  const list = [];
  for (const set of options.sets.split(',')) {
    for (const file of fs.readdirSync(path.join(benchRoot, set)).filter((f) => f.endsWith('.json')).sort()) {
      const name = file.slice(0, -'.json'.length);
      if (only && !only.has(name) && !only.has(`${set}/${name}`)) continue;
      const test = Object.values(JSON.parse(fs.readFileSync(path.join(benchRoot, set, file), 'utf8')))[0];
      const tx = test.transaction;
      const overrides = {};
      for (const [address, account] of Object.entries(test.pre)) {
        overrides[address] = { balance: quantity(account.balance), nonce: quantity(account.nonce), code: account.code, ...(Object.keys(account.storage).length ? { state: account.storage } : {}) };
      }
      tx.data.forEach((data, i) => {
        const label = tx.data.length === 1 ? `${set}/${name}` : `${set}/${name}#${i}`;
        list.push({ name: label, call: { from: tx.sender, to: tx.to, data, gas: quantity(tx.gasLimit[0]) }, overrides });
      });
    }
  }
  return list;
}

const posters = new Map(); // url → the client's POST (a raw client keeps one connection per node)
async function rpc(url, method, params) {
  if (!posters.has(url)) posters.set(url, poster(options.client));
  return JSON.parse(await posters.get(url)(url, JSON.stringify({ jsonrpc: '2.0', id: 1, method, params })));
}

async function timedCall(node, bench) {
  const start = process.hrtime.bigint();
  const body = await rpc(node.url, 'eth_call', [bench.call, 'latest', bench.overrides]);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { ms, result: body.error ? `error: ${body.error.message}` : body.result };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

const nodes = [];
const hyperions = options.hyperion.length ? options.hyperion : [`hyperion=${repoRoot}`];
try {
  for (const spec of hyperions) {
    const [label, target] = spec.includes('=') ? spec.split('=') : ['hyperion', spec];
    const [root, tier] = target.split(':');
    const node = await startNode({ kind: 'hyperion', root: path.resolve(root), extraArgs: ['--rpc-gas-cap', '0', '--log-level', 'error', ...(tier ? ['--vm', tier] : [])] });
    if (node.unavailable) throw new Error(node.unavailable);
    nodes.push({ label, ...node });
  }
  if (options.anvil !== '0') {
    const node = await startNode({ kind: 'anvil', extraArgs: ['--disable-block-gas-limit', '--accounts', '1'] });
    if (node.unavailable) throw new Error(node.unavailable);
    nodes.push({ label: 'anvil', ...node });
  }

  const [load1] = os.loadavg();
  console.log(`# ${new Date().toISOString()} load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; median of ${runs} eth_calls after ${warmup} warm-up call(s) and a ${prewarmMs / 1000} s pre-warm per benchmark`);
  // The first benchmark used to meet a cold process: the node's RPC path (JSON of a 46 KB request, hex, overrides)
  // still ran as .NET's quick JIT code and blake2b_huff, first in the list, paid for it (8–13 ms a call against
  // 2–3 ms warm). So every benchmark is first run on every node for --prewarm-seconds (and --warmup calls) before
  // anything is timed; the timed loop below still starts each benchmark with its own warm-up calls.
  const benchmarks = loadBenchmarks();
  for (const bench of benchmarks) {
    for (const node of nodes) {
      const until = Date.now() + prewarmMs;
      for (let n = 0; n < warmup || Date.now() < until; n++) await timedCall(node, bench);
    }
  }
  const rows = [];
  for (const bench of benchmarks) {
    const times = nodes.map(() => []);
    const results = nodes.map(() => null);
    for (let run = -warmup; run < runs; run++) {
      for (let i = 0; i < nodes.length; i++) {
        const { ms, result } = await timedCall(nodes[i], bench);
        if (run === -warmup) results[i] = result; else if (run >= 0) times[i].push(ms);
      }
    }
    const medians = times.map(median);
    const agree = results.every((r) => r === results[0]) && !results[0].startsWith('error');
    rows.push({ name: bench.name, medians, agree, results });
    const line = medians.map((m, i) => `${nodes[i].label} ${m.toFixed(2)} ms`).join('  ');
    console.log(`${bench.name}: ${line}${agree ? '' : `  RESULTS DIFFER OR FAILED: ${results.map((r, i) => `${nodes[i].label}=${String(r).slice(0, 80)}`).join(' ')}`}`);
  }

  // Markdown table: every node's median, then each Hyperion build's ratio to anvil (when anvil ran).
  const anvilIndex = nodes.findIndex((n) => n.label === 'anvil');
  const ratioOf = nodes.map((n, i) => i).filter((i) => anvilIndex >= 0 && i !== anvilIndex);
  console.log(`\n| benchmark | ${nodes.map((n) => `${n.label} ms`).join(' | ')} | ${ratioOf.map((i) => `${nodes[i].label} / anvil`).join(' | ')} |`);
  console.log(`|---|${nodes.map(() => '---:').join('|')}|${ratioOf.map(() => '---:').join('|')}|`);
  const logSums = ratioOf.map(() => 0);
  for (const row of rows) {
    const ratios = ratioOf.map((i) => row.medians[i] / row.medians[anvilIndex]);
    ratios.forEach((r, k) => { logSums[k] += Math.log(r); });
    console.log(`| ${row.name}${row.agree ? '' : ' (results differ)'} | ${row.medians.map((m) => m.toFixed(2)).join(' | ')} | ${ratios.map((r) => r.toFixed(2)).join(' | ')} |`);
  }
  if (ratioOf.length && rows.length) {
    console.log(`| geometric mean | ${nodes.map(() => '').join(' | ')} | ${logSums.map((s) => Math.exp(s / rows.length).toFixed(2)).join(' | ')} |`);
  }
  console.log(`\nload average at start ${load1.toFixed(2)}, at end ${os.loadavg()[0].toFixed(2)}`);
} finally {
  for (const node of nodes) await node.stop();
}
