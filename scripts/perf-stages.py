#!/usr/bin/env python3
"""Node CPU per transaction by stage and by thread, from `perf script` of a node under the batch-send bench.

Record (the node started with DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 so that perf names JIT'd code):
  perf record -k CLOCK_MONOTONIC -F 1999 -g -p <node pid> -o node.perf.data
  node e2e/bench/chain-bench.mjs --url http://127.0.0.1:<port> --pid <node pid> --txs 1000 --senders 100 --reads 0 --client raw
  perf script -i node.perf.data -F comm,tid,time,ip,sym,dso > node.script.txt
Then:
  scripts/perf-stages.py node.script.txt <transactions> [<from> <to>]
with <from> <to> the bench's `monotonicWindow` (CLOCK_MONOTONIC seconds of the transfers) to count only their samples;
PERF_HZ=<F> when recorded at another frequency than 1999.

Each sample goes to the first stage (from the leaf outwards) whose keywords one of its frames holds; samples of the
node's own named threads go to the thread. ReadyToRun code shows as "[unknown] (…dll)" frames, so a stage is known by
the nearest JIT'd frame around it. libsecp256k1 has no frame pointers: its samples are recovery wherever they were
called from. Also says how much of the recovery ran beside another recovery (two threads in the same millisecond).
"""
import collections
import os
import re
import sys

STAGES = [  # (stage, keywords of a frame), innermost match wins
    ('sender recovery (libsecp256k1)', ['libsecp256k1']),
    ('transaction hash', ['Transaction::get_Hash', 'Transaction::ComputeHash']),
    ('hex / RLP decode', ['DecodeRaw', 'TryDecodeNetwork', 'DecodeEnvelope', 'Hex::', 'FromHex']),
    ('state root (trie)', ['ComputeStateRoot', 'StorageRoot', 'PatriciaTrie', 'BranchNode::Encode', 'Trie.']),
    ('transactions / receipts roots', ['CompleteTransactionsRoot', 'ReceiptsRoot', 'ListTrie', 'Bloom']),
    ('execution (EVM, transaction processing)', ['BlockExecutor::ExecuteTransaction', 'TransactionHandler::', 'MetisVm', 'metisvm_region']),
    ('state history staging', ['StateHistory']),
    ('pool admission, inclusion waits', ['TxPool::', 'InclusionWaits::', 'PendingInclusion']),
    ('block open / select / close / seal, chain append', ['OpenBlock', 'BlockAssembly', 'Sequencer::', 'BlockBuilder', 'ChainProvider', 'ChainStore']),
    ('JSON parse', ['JsonDocument::Parse', 'JsonDocument::TryParse', 'Utf8JsonReader']),
    ('response writing', ['Utf8JsonWriter', 'RpcResponse::Write', 'WriteJsonAsync', 'JsonNode']),
    ('RPC dispatch, async plumbing', ['RpcDispatcher', 'EthModule', 'RpcMethodRegistry', 'DecodedSubmission', 'RpcServer']),
    ('Kestrel, HTTP, sockets', ['Kestrel', 'System.Net.Sockets', 'Pipelines', 'AspNetCore']),
]


def read_samples(path, window):
    samples, current = [], None
    for line in open(path, errors='replace'):
        if not line.strip():
            if current and (window is None or window[0] <= current[2] <= window[1]):
                samples.append(current)
            current = None
        elif not line[0].isspace():
            m = re.match(r'^(.*?)\s+(\d+)\s+([\d.]+):\s*$', line.rstrip())
            current = (m.group(1).strip(), m.group(2), float(m.group(3)), []) if m else None
        elif current:
            current[3].append(line.strip())
    if current and (window is None or window[0] <= current[2] <= window[1]):
        samples.append(current)
    return samples


def stage_of(comm, frames):
    if comm.startswith('.NET Tiered'):
        return 'JIT (tiered compilation worker)'
    if comm.startswith('.NET BGC') or comm.startswith('.NET Server GC'):
        return 'GC (background thread)'
    if comm.startswith('hyperion-'):
        return f'thread {comm}'
    for frame in frames:
        for stage, keys in STAGES:
            if any(k in frame for k in keys):
                return stage
    leaf = frames[0] if frames else ''
    if 'libclrjit' in leaf:
        return 'JIT on the request thread'
    if any(k in leaf for k in ('libcoreclr', 'libc.so', 'kallsyms')):
        return 'runtime / kernel, unattributed'
    return 'other'


def main():
    if len(sys.argv) not in (3, 5):
        sys.exit(__doc__)
    window = (float(sys.argv[3]), float(sys.argv[4])) if len(sys.argv) == 5 else None
    transactions, hz = float(sys.argv[2]), float(os.environ.get('PERF_HZ', '1999'))  # perf record's -F
    samples = read_samples(sys.argv[1], window)
    us = 1e6 / hz / transactions
    stages, threads = collections.Counter(), collections.Counter()
    by_ms = collections.defaultdict(lambda: collections.defaultdict(set))
    for comm, tid, t, frames in samples:
        stage = stage_of(comm, frames)
        stages[stage] += 1
        threads['.NET TP Worker (requests, recovery helper)' if comm.startswith('.NET TP Worker') else comm] += 1
        kind = 'recovery' if frames and 'libsecp256k1' in frames[0] else ('jit' if stage.startswith('JIT (') else 'other')
        by_ms[int(t * 1000)][kind].add(tid)
    total = sum(stages.values())
    print(f'{total} samples, {total / hz * 1e3:.0f} ms of CPU, {total * us:.1f} µs per transaction over {transactions:.0f}')
    for stage, n in stages.most_common():
        print(f'{n * us:8.1f} µs {100 * n / total:5.1f} %  {stage}')
    print('by thread:')
    for thread, n in threads.most_common():
        print(f'{n * us:8.1f} µs {100 * n / total:5.1f} %  {thread}')
    recoveries = [(tid, t) for comm, tid, t, frames in samples if frames and 'libsecp256k1' in frames[0]]
    if recoveries:
        counts = collections.Counter()
        for tid, t in recoveries:
            ms = by_ms[int(t * 1000)]
            counts['two threads recovering' if len(ms['recovery']) >= 2 else
                   'one recovering, the JIT worker running' if ms['jit'] else
                   'one recovering, other node work running' if ms['other'] else
                   'one recovering, no other sample of the node'] += 1
        print('recovery samples by what else the node ran in the same millisecond:')
        for what, n in counts.most_common():
            print(f'{n:8d} {100 * n / len(recoveries):5.1f} %  {what}')


if __name__ == '__main__':
    try:
        main()
    except BrokenPipeError:
        pass
