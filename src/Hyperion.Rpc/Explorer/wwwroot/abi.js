// ABI decoding for logs, call inputs and outputs: the event and function signatures the explorer knows
// (ERC-20/721, WETH, Ownable, Hyperion's model registry, inference precompile and StoryTeller) plus ABIs the user
// gives it for an address (kept in this browser's localStorage).
import { keccakHex } from './keccak.js';
import { hexToBytes, bytesToHex } from './format.js';

const KNOWN = [
  'event Transfer(address indexed from, address indexed to, uint256 value)',
  'event Transfer(address indexed from, address indexed to, uint256 indexed tokenId)',
  'event Approval(address indexed owner, address indexed spender, uint256 value)',
  'event Approval(address indexed owner, address indexed approved, uint256 indexed tokenId)',
  'event ApprovalForAll(address indexed owner, address indexed operator, bool approved)',
  'event Deposit(address indexed dst, uint256 wad)',
  'event Withdrawal(address indexed src, uint256 wad)',
  'event OwnershipTransferred(address indexed previousOwner, address indexed newOwner)',
  'event ModelRegistered(bytes32 indexed hash, uint64 sizeBytes, uint32 macsPerGas)',
  'event ModelDeregistered(bytes32 indexed hash)',
  'event StoryWritten(uint256 indexed id, address indexed author, string prompt, string text, uint32[] tokens)',
  // LazAI (contracts/src/lazai): data anchored tokens, validation, the inference market and verifier.
  'event ClassCreated(uint256 indexed classId, uint8 kind, address indexed manager, bytes32 contentHash, string uri, uint256[] parents, uint16[] parentBps)',
  'event DATMinted(uint256 indexed tokenId, uint256 indexed classId, address indexed to, uint256 value, uint64 expireAt, uint256 shareRatio)',
  'event ValueTransferred(uint256 indexed fromTokenId, uint256 indexed toTokenId, uint256 value)',
  'event UsageRecorded(uint256 indexed classId, address indexed user, address indexed recorder, uint256 units, uint256 amount)',
  'event RevenueSettled(uint256 indexed classId, address indexed payer, uint256 amount, uint256 perShare, uint256 carry)',
  'event Claimed(address indexed account, uint256 amount)',
  'event Retired(uint256 indexed tokenId, uint256 indexed classId)',
  'event PriceChanged(uint256 indexed classId, uint256 pricePerUse)',
  'event ValidationRequested(uint256 indexed requestId, uint256 indexed classId, address indexed requester, bytes32 nonce, uint256 fee, uint8 required)',
  'event Attested(uint256 indexed attestationId, uint256 indexed requestId, address indexed validator, bytes32 proof)',
  'event Slashed(uint256 indexed attestationId, address indexed validator, address indexed challenger, uint256 amount)',
  'event InferenceRecorded(uint256 indexed id, address indexed caller, uint256 indexed modelClass, bytes32 modelHash, bytes32 inputHash, bytes32 outputHash, uint256 gasUsed, uint256 price)',
  'event FeesSplit(uint256 indexed id, uint256 protocolFee, uint256 computeFee, uint256 dataFee)',
  'event ResultPosted(uint256 indexed id, address indexed poster, bytes32 indexed model, bytes32 inputHash, bytes32 outputHash, uint256 bond)',
  'event ResultRefuted(uint256 indexed id, address indexed challenger, bytes32 actualOutputHash)',
  'function transfer(address to, uint256 value) returns (bool)',
  'function approve(address spender, uint256 value) returns (bool)',
  'function transferFrom(address from, address to, uint256 value) returns (bool)',
  'function mint(address to, uint256 amount)',
  'function deposit()',
  'function withdraw(uint256 wad)',
  'function safeTransferFrom(address from, address to, uint256 tokenId)',
  'function setApprovalForAll(address operator, bool approved)',
  'function register(bytes32 hash, uint64 sizeBytes, uint32 macsPerGas)',
  'function deregister(bytes32 hash)',
  'function transferOwnership(address newOwner)',
  'function generate(bytes32 model, string prompt, uint32 maxNewTokens, uint32 temperatureQ16, uint32 topPQ16, uint64 seed) returns (uint32[] tokens, string text)',
  'function generateFromTokens(bytes32 model, uint32[] prompt, uint32 maxNewTokens, uint32 temperatureQ16, uint32 topPQ16, uint64 seed) returns (uint32[] tokens, string text)',
  'function write(string prompt, uint32 maxNewTokens, uint32 temperatureQ16, uint32 topPQ16, uint64 seed) returns (uint256 id)',
  'function preview(string prompt, uint32 maxNewTokens, uint32 temperatureQ16, uint32 topPQ16, uint64 seed) returns (uint32[] tokens, string text)',
];

/** Parses 'event Name(type indexed name, …)' or 'function name(…) returns (…)' (no tuples) into an ABI entry. */
export function parseSignature(text) {
  const m = /^\s*(event|function)\s+(\w+)\s*\(([^)]*)\)\s*(?:.*?returns\s*\(([^)]*)\))?/.exec(text);
  if (!m) throw new Error(`cannot read signature: ${text}`);
  const params = (list) => (list ?? '').split(',').map((s) => s.trim()).filter(Boolean).map((p) => {
    const parts = p.split(/\s+/);
    return { type: parts[0], indexed: parts.includes('indexed'), name: parts.length > 1 && parts.at(-1) !== 'indexed' ? parts.at(-1) : '' };
  });
  return { type: m[1], name: m[2], inputs: params(m[3]), outputs: params(m[4]) };
}

const canonicalType = (p) => (p.type.startsWith('tuple') ? `(${p.components.map(canonicalType).join(',')})${p.type.slice(5)}` : p.type);
export const signatureOf = (entry) => `${entry.name}(${entry.inputs.map(canonicalType).join(',')})`;

/** An ABI entry with its topic (events) or selector (functions) computed. */
function prepare(entry) {
  const hash = keccakHex(signatureOf(entry));
  return { ...entry, topic: hash, selector: hash.slice(0, 10) };
}

const known = KNOWN.map((s) => prepare(parseSignature(s)));

/** The topic of a known event by name (the first with that name). */
export const knownTopic = (name) => known.find((e) => e.type === 'event' && e.name === name)?.topic;
const STORAGE_KEY = 'hyperion-explorer-abis';

function userAbis() {
  try { return JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}'); } catch { return {}; }
}

/** The ABI the user gave for an address, or null. */
export const abiFor = (address) => userAbis()[address.toLowerCase()] ?? null;

/** Keeps a JSON ABI (array, or an object with an "abi" array like solc/forge/hardhat artifacts) for an address. */
export function saveAbi(address, json) {
  let abi = JSON.parse(json);
  if (!Array.isArray(abi) && Array.isArray(abi?.abi)) abi = abi.abi;
  if (!Array.isArray(abi)) throw new Error('expected a JSON array (an ABI) or an artifact with an "abi" field');
  const all = userAbis();
  all[address.toLowerCase()] = abi;
  localStorage.setItem(STORAGE_KEY, JSON.stringify(all));
  return abi.length;
}

export function forgetAbi(address) {
  const all = userAbis();
  delete all[address.toLowerCase()];
  localStorage.setItem(STORAGE_KEY, JSON.stringify(all));
}

function candidates(address, kind) {
  const mine = (address ? abiFor(address) ?? [] : []).filter((e) => e.type === kind && e.name).map(prepare);
  return [...mine, ...known.filter((e) => e.type === kind)];
}

// ---- decoding ----

const word = (bytes, at) => {
  if (at < 0 || at + 32 > bytes.length) throw new Error('data too short');
  return bytes.subarray(at, at + 32);
};
const uint = (bytes, at) => BigInt(bytesToHex(word(bytes, at)));
const smallUint = (bytes, at) => {
  const v = uint(bytes, at);
  if (v > BigInt(bytes.length)) throw new Error('offset out of range');
  return Number(v);
};

const arrayMatch = (type) => /^(.*)\[(\d*)\]$/.exec(type);
function isDynamic(p) {
  if (p.type === 'bytes' || p.type === 'string') return true;
  const a = arrayMatch(p.type);
  if (a) return a[2] === '' || isDynamic({ ...p, type: a[1] });
  if (p.type === 'tuple') return p.components.some(isDynamic);
  return false;
}
function headSize(p) {
  if (isDynamic(p)) return 32;
  const a = arrayMatch(p.type);
  if (a) return Number(a[2]) * headSize({ ...p, type: a[1] });
  if (p.type === 'tuple') return p.components.reduce((s, c) => s + headSize(c), 0);
  return 32;
}

function decodeStatic(type, bytes, at) {
  const w = word(bytes, at);
  if (type === 'address') return { type, value: bytesToHex(w.subarray(12)) };
  if (type === 'bool') return { type, value: w[31] === 1 };
  if (/^uint\d*$/.test(type)) return { type, value: uint(bytes, at) };
  if (/^int\d*$/.test(type)) { const v = uint(bytes, at); return { type, value: v >= 1n << 255n ? v - (1n << 256n) : v }; }
  const fixed = /^bytes(\d+)$/.exec(type);
  if (fixed) return { type, value: bytesToHex(w.subarray(0, Number(fixed[1]))) };
  throw new Error(`type ${type} is not decoded`);
}

function decodeSequence(params, bytes, base) {
  let head = base;
  return params.map((p) => {
    const v = isDynamic(p) ? decodeTail(p, bytes, base + smallUint(bytes, head)) : decodeInPlace(p, bytes, head);
    head += headSize(p);
    return { ...v, name: p.name ?? '' };
  });
}

function decodeInPlace(p, bytes, at) {
  const a = arrayMatch(p.type);
  if (a) return { type: p.type, value: decodeSequence(Array.from({ length: Number(a[2]) }, () => ({ ...p, type: a[1] })), bytes, at) };
  if (p.type === 'tuple') return { type: p.type, value: decodeSequence(p.components, bytes, at) };
  return decodeStatic(p.type, bytes, at);
}

function decodeTail(p, bytes, at) {
  if (p.type === 'bytes' || p.type === 'string') {
    const length = smallUint(bytes, at);
    if (at + 32 + length > bytes.length) throw new Error('data too short');
    const data = bytes.subarray(at + 32, at + 32 + length);
    return p.type === 'string' ? { type: p.type, value: new TextDecoder().decode(data) } : { type: p.type, value: bytesToHex(data) };
  }
  const a = arrayMatch(p.type);
  if (a) {
    const count = a[2] === '' ? smallUint(bytes, at) : Number(a[2]);
    const start = a[2] === '' ? at + 32 : at;
    return { type: p.type, value: decodeSequence(Array.from({ length: count }, () => ({ ...p, type: a[1] })), bytes, start) };
  }
  return { type: p.type, value: decodeSequence(p.components, bytes, at) };
}

/** Decodes ABI-encoded parameters; each value is { name, type, value } (arrays and tuples nest). */
export const decodeParams = (params, hex) => decodeSequence(params, hexToBytes(hex), 0);

/** Decodes a log with the emitting address's ABI or the known events: { name, signature, args } or null. */
export function decodeLog(log) {
  const topic0 = log.topics?.[0];
  if (!topic0) return null;
  for (const event of candidates(log.address, 'event')) {
    if (event.topic !== topic0.toLowerCase()) continue;
    const indexed = event.inputs.filter((p) => p.indexed);
    if (indexed.length !== log.topics.length - 1) continue;
    try {
      const data = decodeParams(event.inputs.filter((p) => !p.indexed), log.data);
      let t = 1;
      let d = 0;
      const args = event.inputs.map((p) => {
        if (!p.indexed) return data[d++];
        const topic = log.topics[t++];
        // An indexed dynamic value is stored as its hash.
        return isDynamic(p) || p.type === 'tuple' ? { name: p.name, type: `${p.type} (hash)`, value: topic } : { ...decodeStatic(p.type, hexToBytes(topic), 0), name: p.name };
      });
      return { name: event.name, signature: signatureOf(event), args };
    } catch { /* another event with this topic may fit */ }
  }
  return null;
}

/** Decodes call input with the callee's ABI or the known functions: { name, signature, args, fn } or null. */
export function decodeCall(to, input) {
  if (!input || input.length < 10) return null;
  const selector = input.slice(0, 10).toLowerCase();
  for (const fn of candidates(to, 'function')) {
    if (fn.selector !== selector) continue;
    try {
      return { name: fn.name, signature: signatureOf(fn), args: decodeParams(fn.inputs, `0x${input.slice(10)}`), fn };
    } catch { /* try the next */ }
  }
  return null;
}

/** Decodes a call's output with the function's declared outputs, or null. */
export function decodeOutput(fn, output) {
  if (!fn?.outputs?.length || !output || output === '0x') return null;
  try { return decodeParams(fn.outputs, output); } catch { return null; }
}

/** A decoded value as display text (numbers in decimal, nested values in brackets). */
export function valueText(v) {
  if (Array.isArray(v.value)) return `[${v.value.map(valueText).join(', ')}]`;
  if (typeof v.value === 'bigint') return v.value.toString();
  if (typeof v.value === 'string' && v.type === 'string') return JSON.stringify(v.value);
  return String(v.value);
}
