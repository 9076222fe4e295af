// Bar charts in SVG (no library): the chain's rate over time.
const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

const compact = (v) => {
  if (v >= 1e9) return `${(v / 1e9).toFixed(1)} G`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)} M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)} k`;
  return v >= 10 || v === 0 ? v.toFixed(0) : v.toFixed(2);
};

/**
 * Groups blocks ({ timestamp, txs, gasUsed }, oldest first) into at most `bars` equal time buckets ending at the
 * newest block and reaching back at most `maxSpan` seconds (so an old genesis does not squash the chart);
 * returns { width (s), buckets: [{ start, txRate, gasRate }] } with rates per second.
 */
export function rateBuckets(blocks, bars = 30, maxSpan = 300) {
  if (blocks.length === 0) return { width: 1, buckets: [] };
  const last = blocks.at(-1).timestamp;
  const first = blocks.find((b) => b.timestamp > last - maxSpan).timestamp;
  const width = Math.max(1, Math.ceil((last - first + 1) / bars));
  const count = Math.min(bars, Math.floor((last - first) / width) + 1);
  const start = last - count * width + 1;
  const buckets = Array.from({ length: count }, (_, i) => ({ start: start + i * width, txs: 0, gas: 0 }));
  for (const b of blocks) {
    const i = Math.floor((b.timestamp - start) / width);
    if (i >= 0 && i < count) { buckets[i].txs += b.txs; buckets[i].gas += b.gasUsed; }
  }
  return { width, buckets: buckets.map((b) => ({ start: b.start, txRate: b.txs / width, gasRate: b.gas / width })) };
}

/** An SVG bar chart of values (numbers), with the maximum on the y axis and a caption under it. */
export function barChart(values, { label, caption, className = '' } = {}) {
  const width = 360;
  const height = 120;
  const top = 14;
  const bottom = 18;
  const max = Math.max(...values, 0);
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: `chart ${className}`, role: 'img', 'aria-label': label ?? '' });
  root.append(svg('text', { x: 0, y: 10, class: 'axis' }, `${label}: max ${compact(max)}/s`));
  root.append(svg('line', { x1: 0, y1: height - bottom, x2: width, y2: height - bottom, class: 'baseline' }));
  const slot = width / Math.max(values.length, 1);
  values.forEach((v, i) => {
    const h = max > 0 ? ((height - top - bottom) * v) / max : 0;
    const bar = svg('rect', { x: i * slot + 1, y: height - bottom - h, width: Math.max(slot - 2, 1), height: h, class: 'bar' });
    bar.append(svg('title', {}, `${compact(v)}/s`));
    root.append(bar);
  });
  if (caption) root.append(svg('text', { x: 0, y: height - 4, class: 'axis' }, caption));
  return root;
}
