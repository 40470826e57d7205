import type { SandboxState } from '../state.js';

/**
 * Deterministic randomness for the simulated AWS APIs: the same `state.seed` gives the same
 * throttled requests and the same generated ids, so a failing rehearsal can be replayed.
 * Separate streams keep one concern (say, ids) from shifting another (throttling) when a test
 * adds a request.
 */

export type RandomSource = () => number;

/** mulberry32: tiny, fast, good enough for fault injection; returns floats in [0, 1). */
export function createSeededRandom(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type RandomStream = 'throttle' | 'ids' | 'requests';

const STREAM_SALT: Record<RandomStream, number> = { throttle: 0x9e3779b9, ids: 0x85ebca6b, requests: 0xc2b2ae35 };
const streams = new WeakMap<SandboxState, Map<RandomStream, RandomSource>>();

/** The per-state random stream; created lazily from `state.seed`. */
export function getStateRandom(state: SandboxState, stream: RandomStream): RandomSource {
  let byStream = streams.get(state);
  if (!byStream) {
    byStream = new Map();
    streams.set(state, byStream);
  }
  let source = byStream.get(stream);
  if (!source) {
    source = createSeededRandom((state.seed ^ STREAM_SALT[stream]) >>> 0);
    byStream.set(stream, source);
  }
  return source;
}

/** `length` characters drawn from `alphabet` using the state's id stream. */
export function generateChars(
  state: SandboxState,
  alphabet: string,
  length: number,
  stream: RandomStream = 'ids',
): string {
  const next = getStateRandom(state, stream);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(next() * alphabet.length)];
  return out;
}

export function generateHex(state: SandboxState, length: number, stream: RandomStream = 'ids'): string {
  return generateChars(state, '0123456789abcdef', length, stream);
}

/** A v4-shaped UUID (SSM command ids, secret version ids, request ids). */
export function generateUuid(state: SandboxState, stream: RandomStream = 'ids'): string {
  const h = generateHex(state, 32, stream);
  const variant = '89ab'[parseInt(h[16] ?? '0', 16) % 4];
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
