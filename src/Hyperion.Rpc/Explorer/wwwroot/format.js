// Formatting of chain values and the DOM helper every page uses. Chain data is untrusted: it only ever becomes
// text nodes and attribute values, never markup.

/** el('div', { class: 'x', href: '#/y', style: { marginLeft: '1rem' } }, child, 'text', [more]) — children may be nodes, strings, arrays or null. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name === 'style') Object.assign(node.style, value); // through the CSSOM: the page's CSP forbids style attributes
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : String(child));
  }
}

export const toBigInt = (hex) => (hex === undefined || hex === null ? null : BigInt(hex));
export const toNumber = (hex) => (hex === undefined || hex === null ? null : Number(BigInt(hex)));

const groupDigits = (s) => s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** A whole number with thousands separators (from a hex quantity, bigint or number). */
export function num(value) {
  if (value === null || value === undefined) return '—';
  const n = typeof value === 'string' ? BigInt(value) : BigInt(value);
  return (n < 0n ? '-' : '') + groupDigits((n < 0n ? -n : n).toString());
}

/** A fixed-point amount (wei with 18 decimals by default) with at most `digits` fraction digits, trailing zeros cut. */
export function units(value, decimals = 18, digits = 6) {
  if (value === null || value === undefined) return '—';
  let n = typeof value === 'bigint' ? value : BigInt(value);
  const negative = n < 0n;
  if (negative) n = -n;
  const scale = 10n ** BigInt(decimals);
  const whole = n / scale;
  let fraction = (n % scale).toString().padStart(decimals, '0').slice(0, digits).replace(/0+$/, '');
  if (fraction === '' && n % scale !== 0n && whole === 0n) return `${negative ? '-' : ''}<0.${'0'.repeat(digits - 1)}1`;
  return `${negative ? '-' : ''}${groupDigits(whole.toString())}${fraction ? `.${fraction}` : ''}`;
}

export function ether(wei) {
  const v = wei === null || wei === undefined ? null : BigInt(wei);
  return v !== null && v > 0n && v < 1_000_000_000_000n ? `${num(v)} wei` : `${units(v)} ETH`; // dust reads better in wei
}
export const gwei = (wei) => `${units(wei, 9, 4)} gwei`;

export const short = (hex, keep = 6) => (hex && hex.length > 2 * keep + 4 ? `${hex.slice(0, keep + 2)}…${hex.slice(-keep)}` : hex ?? '');

/** "12 s ago", "3 min ago", … from a unix time in seconds. */
export function age(seconds, now = Date.now() / 1000) {
  const d = Math.round(now - seconds);
  if (d < 0) return 'in the future';
  if (d < 60) return `${d} s ago`;
  if (d < 3600) return `${Math.floor(d / 60)} min ago`;
  if (d < 86400) return `${Math.floor(d / 3600)} h ago`;
  return `${Math.floor(d / 86400)} d ago`;
}

export const dateTime = (seconds) => new Date(seconds * 1000).toISOString().replace('T', ' ').replace('.000Z', ' UTC');

export function hexToBytes(hex) {
  const s = hex.startsWith('0x') ? hex.slice(2) : hex;
  if (s.length % 2 !== 0 || /[^0-9a-fA-F]/.test(s)) throw new Error(`not hex: ${short(hex)}`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export const bytesToHex = (bytes) => `0x${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;

// Links to the explorer's own pages.
export const blockLink = (n, text) => el('a', { href: `#/block/${n}`, class: 'mono' }, text ?? num(n));
export const txLink = (hash, keep = 6) => el('a', { href: `#/tx/${hash}`, class: 'mono', title: hash }, short(hash, keep));
export function addressLink(address, keep = 4) {
  if (!address) return el('span', { class: 'muted' }, '—');
  const label = knownAddresses[address.toLowerCase()];
  return el('a', { href: `#/address/${address}`, class: 'mono', title: label ? `${label} ${address}` : address }, label ?? short(address, keep));
}

/** Addresses with a name of their own on a Hyperion node. */
export const knownAddresses = {
  '0x0000000000000000000000000000000000000a11': 'AI inference',
  '0x0000000000000000000000000000000000000a12': 'ModelRegistry',
};

/** A definition list of [label, value] rows; rows whose value is null/undefined are left out. */
export function fields(rows) {
  return el('dl', { class: 'fields' }, rows.filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

/** A table from headings and rows (arrays of cells); `empty` is shown when there are no rows. */
export function table(headings, rows, empty = 'none') {
  if (rows.length === 0) return el('p', { class: 'muted empty' }, empty);
  return el('table', {},
    el('thead', {}, el('tr', {}, headings.map((h) => el('th', {}, h)))),
    el('tbody', {}, rows.map((cells) => el('tr', {}, cells.map((c) => el('td', {}, c))))));
}

export const section = (title, ...children) => el('section', { class: 'card' }, el('h2', {}, title), ...children);
export const hexBlock = (hex) => el('pre', { class: 'hex' }, hex);
