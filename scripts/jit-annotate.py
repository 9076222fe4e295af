#!/usr/bin/env python3
"""Maps perf samples in JIT'd .NET methods (the compiled tier's DynamicMethods) onto their disassembly.

perf cannot annotate JIT'd code here (the runtime's jitdump does not give perf inject usable code), so record with the
JIT's own listing in the same process and join the two by method size:

  DOTNET_JitDisasm=metisvm_region DOTNET_JitDisasmWithCodeBytes=1 DOTNET_JitStdOutFile=/tmp/x.asm \\
  DOTNET_PerfMapEnabled=3 DOTNET_EnableWriteXorExecute=0 perf record -F 2999 -o x.data -- \\
    dotnet artifacts/bin/Hyperion.Cli/release/hyperion.dll bench evm --filter 'blake2b_huff#1' --vm compiled-always --runs 4000
  cp /tmp/perf-<pid>.map x.map     # copy it at once: the runtime's map files do not stay in /tmp
  python3 scripts/jit-annotate.py x.data /tmp/x.asm x.map [--method metisvm_region] [--top 40]

Prints the share of all samples in the named methods, the hottest instructions (with the three before each: a
sample usually lands just after the instruction that waited), and how many samples sit right after a 32-byte load
by where that load's word was written (8-byte stores in the same straight-line code: a store-forwarding stall).
"""
import argparse
import bisect
import collections
import re
import subprocess


def parse_listing(path, name):
    """Methods of the JIT listing whose title contains name: (size, [(offset, mnemonic, operands, text)])."""
    methods, current, offset = [], None, 0
    for line in open(path, errors='replace'):
        if line.startswith('; Assembly listing for method'):
            current = None
            if name in line:
                current = {'size': None, 'ins': []}
                methods.append(current)
                offset = 0
            continue
        if current is None:
            continue
        label = re.match(r'^G_M\d+_IG\d+:.*offset=0x([0-9A-F]+)', line)
        if label:
            offset = int(label.group(1), 16)
            continue
        total = re.match(r'^; Total bytes of code (\d+)', line)
        if total:
            current['size'] = int(total.group(1))
            continue
        ins = re.match(r'^\s{7}([0-9A-F]+)\s+(\w+)\s*(.*)$', line)
        if ins and len(ins.group(1)) % 2 == 0:
            current['ins'].append((offset, ins.group(2), ins.group(3).strip(), line.strip()))
            offset += len(ins.group(1)) // 2
    return methods


def memory_operand(text):
    m = re.search(r'\[(\w+)([+-]0x[0-9A-F]+)?\]', text)
    if not m:
        return None
    return m.group(1), int(m.group(2).replace('0x', ''), 16) if m.group(2) else 0


def load_source(ins, j):
    """Where the word a 32-byte load at instruction j reads was last written, looking back in straight-line code."""
    source = memory_operand(ins[j][2].split(',', 1)[1])
    for k in range(j - 1, max(0, j - 80), -1):
        _, mnemonic, operands, _ = ins[k]
        if mnemonic == 'call':
            return 'after a call to ' + operands.split('[')[-1].split('(')[0]
        target = memory_operand(operands.split(',')[0])
        if mnemonic == 'mov' and operands.startswith('qword ptr') and target and source and target[0] == source[0] \
                and source[1] <= target[1] < source[1] + 32:
            return 'of a word written as 8-byte stores (stall)'
        if mnemonic == 'vmovdqu' and operands.startswith('ymmword ptr') and target == source:
            return 'of a word written as one 32-byte store'
    return 'of a word written elsewhere'


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('data')
    parser.add_argument('listing')
    parser.add_argument('perfmap')
    parser.add_argument('--method', default='metisvm_region')
    parser.add_argument('--top', type=int, default=40)
    args = parser.parse_args()

    by_size = collections.defaultdict(list)
    for method in parse_listing(args.listing, args.method):
        by_size[method['size']].append(method)
    ranges = []
    for line in open(args.perfmap):
        parts = line.split(' ', 2)
        if len(parts) == 3 and args.method in parts[2]:
            start, size = int(parts[0], 16), int(parts[1], 16)
            if by_size.get(size):
                ranges.append((start, size, by_size[size].pop(0)))
    ranges.sort(key=lambda r: r[0])
    starts = [r[0] for r in ranges]

    out = subprocess.run(['perf', 'script', '-i', args.data, '-F', 'ip'], capture_output=True, text=True, check=True).stdout
    total, hits = 0, collections.Counter()
    for token in out.split():
        ip = int(token, 16)
        total += 1
        r = bisect.bisect_right(starts, ip) - 1
        if r >= 0 and ip < ranges[r][0] + ranges[r][1]:
            method = ranges[r][2]
            offsets = method.setdefault('offsets', [i[0] for i in method['ins']])
            hits[(r, bisect.bisect_right(offsets, ip - ranges[r][0]) - 1)] += 1

    inside = sum(hits.values())
    print(f'{len(ranges)} methods matched; samples {total}, in {args.method}: {inside} ({100 * inside / max(total, 1):.1f} %)')
    for (r, i), n in hits.most_common(args.top):
        ins = ranges[r][2]['ins']
        print(f'{100 * n / total:5.2f} %  method of {ranges[r][1]} bytes, offset {ins[i][0]:#x}')
        for _, _, _, text in ins[max(0, i - 3):i + 1]:
            print('          ', text[:120])

    kinds = collections.Counter()
    for (r, i), n in hits.items():
        ins = ranges[r][2]['ins']
        kind = 'not after a 32-byte load'
        for j in (i - 1, i - 2):
            if j >= 0 and ins[j][1] == 'vmovdqu' and ins[j][2].startswith('ymm0'):
                kind = '32-byte load ' + load_source(ins, j)
                break
        kinds[kind] += n
    print(f'\nsamples in {args.method} by the instruction before them:')
    for kind, n in kinds.most_common():
        print(f'{100 * n / max(inside, 1):5.1f} %  {kind}')


if __name__ == '__main__':
    main()
