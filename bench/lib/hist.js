'use strict';
// A log-linear latency histogram in microseconds: 64 sub-buckets per power of two (≤ 1.6 % error),
// mergeable by adding counts, cheap enough to record every delivery.
const SUB = 64;
const MAX_EXP = 32; // up to 2^32 µs (> 1 h)
const SIZE = (MAX_EXP + 1) * SUB;

function create() {
  return { counts: new Float64Array(SIZE), n: 0, max: 0, sum: 0 };
}

function index(us) {
  if (us < 1) return 0;
  const e = Math.min(MAX_EXP, Math.floor(Math.log2(us)));
  const base = 2 ** e;
  return e * SUB + Math.min(SUB - 1, Math.floor(((us - base) / base) * SUB));
}

function lower(i) {
  const e = Math.floor(i / SUB);
  const base = 2 ** e;
  return base + (base * (i % SUB)) / SUB;
}

function record(h, us) {
  h.counts[index(us)]++;
  h.n++;
  h.sum += us;
  if (us > h.max) h.max = us;
}

function merge(into, from) {
  const counts = from.counts instanceof Float64Array ? from.counts : Float64Array.from(from.counts);
  for (let i = 0; i < SIZE; i++) into.counts[i] += counts[i] || 0;
  into.n += from.n;
  into.sum += from.sum;
  if (from.max > into.max) into.max = from.max;
  return into;
}

/** The value (µs) at quantile q (0..1): the middle of the bucket the q-th sample falls in. */
function quantile(h, q) {
  if (h.n === 0) return null;
  const target = Math.max(1, Math.ceil(q * h.n));
  let seen = 0;
  for (let i = 0; i < SIZE; i++) {
    seen += h.counts[i];
    if (seen >= target) {
      const mid = (lower(i) + lower(i + 1)) / 2;
      return Math.min(mid, h.max);
    }
  }
  return h.max;
}

/** A compact form for IPC/JSON: only the non-zero buckets. */
function toJSON(h) {
  const nz = [];
  for (let i = 0; i < SIZE; i++) if (h.counts[i]) nz.push(i, h.counts[i]);
  return { nz, n: h.n, max: h.max, sum: h.sum };
}

function fromJSON(j) {
  const h = create();
  for (let k = 0; k < j.nz.length; k += 2) h.counts[j.nz[k]] = j.nz[k + 1];
  h.n = j.n;
  h.max = j.max;
  h.sum = j.sum;
  return h;
}

function summary(h) {
  const ms = (v) => (v == null ? null : Math.round(v) / 1000);
  return {
    n: h.n,
    p50: ms(quantile(h, 0.5)),
    p99: ms(quantile(h, 0.99)),
    p999: ms(quantile(h, 0.999)),
    max: ms(h.n ? h.max : null),
    mean: ms(h.n ? h.sum / h.n : null),
  };
}

module.exports = { create, record, merge, quantile, toJSON, fromJSON, summary };
