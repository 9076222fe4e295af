// Restart time of two builds on the same chains (issue 18): spawns `dotnet <dll> dev --data-dir <chain>` for each build
// and chain size alternately (the order flips each round), polls eth_blockNumber every 10 ms, and prints time to the
// first answer and the node's own open time (its `opened the chain … in T ms` line), with medians.
// Chains are built beforehand (e2e/bench/restart-bench.mjs's way, kept), one copy per build when their formats differ.
// Usage: node e2e/bench/restart-ab.mjs --builds main=/x/hyperion.dll,branch=/y/hyperion.dll
//          --chains /tmp/chain-{n}-{build} --sizes 100,3000,20000 [--rounds 9]
import { spawn } from 'node:child_process';
import os from 'node:os';

const args = Object.fromEntries(process.argv.slice(2).join(' ').split('--').filter(Boolean).map((a) => a.trim().split(/\s+/)));
const builds = String(args.builds).split(',').map((b) => b.split('='));
const sizes = String(args.sizes ?? '100,3000,20000').split(',');
const rounds = Number(args.rounds ?? 9);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = {};
let port = 18645;

async function restart(build, dll, n) {
  const p = port++;
  const started = performance.now();
  const child = spawn('dotnet', [dll, 'dev', '--data-dir', args.chains.replace('{n}', n).replace('{build}', build), '--port', String(p)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let exited = null;
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  child.on('exit', (code) => { exited = code; });
  for (;;) {
    if (exited !== null) throw new Error(`${build} exited with ${exited}: ${output}`);
    try {
      const answer = await (await fetch(`http://127.0.0.1:${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}' })).json();
      if (answer.result) break;
    } catch {
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  const ms = Math.round(performance.now() - started);
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await done;
  const open = Number((output.match(/opened the chain at block \d+ in (\d+) ms/) ?? [0, NaN])[1]);
  (results[`${build} ${n}`] ??= []).push({ ms, open });
  console.log(JSON.stringify({ build, blocks: Number(n), ms, open, load: os.loadavg()[0].toFixed(1) }));
}

for (let r = 0; r < rounds; r++) {
  for (const n of sizes) {
    for (const [build, dll] of r % 2 ? [...builds].reverse() : builds) await restart(build, dll, n);
  }
}
for (const [build] of builds) {
  const at = (n, key) => median(results[`${build} ${n}`].map((x) => x[key]));
  for (const n of sizes) console.log(`${build} ${n} blocks: first answer ${at(n, 'ms')} ms, open ${at(n, 'open')} ms`);
  const [small, large] = [sizes[0], sizes.at(-1)];
  console.log(`${build} ratio ${large}/${small}: first answer ×${(at(large, 'ms') / at(small, 'ms')).toFixed(2)}, open ×${(at(large, 'open') / at(small, 'open')).toFixed(2)}`);
}
