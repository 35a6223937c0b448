// Run ids: sortable by creation time, short to type, unambiguous to read.
// 10 Crockford base32 chars of milliseconds (good until 10889) + 6 random
// chars: `01KAB3C4D5-ish`. Ids made in one process never go backwards.
import { randomInt } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford: no I, L, O, U
let lastTime = -1;
let lastRandom = 0;

function encode(n: number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) {
    s = ALPHABET[n % 32]! + s;
    n = Math.floor(n / 32);
  }
  return s;
}

export function newRunId(now: number = Date.now()): string {
  const RANDOM_SPACE = 32 ** 6;
  let t = now;
  let r: number;
  if (t <= lastTime) {
    // Same (or an earlier) millisecond: count up, so ids stay strictly increasing.
    t = lastTime;
    r = lastRandom + 1;
    if (r >= RANDOM_SPACE) {
      t += 1;
      r = randomInt(RANDOM_SPACE / 2);
    }
  } else {
    r = randomInt(RANDOM_SPACE / 2); // leave room to count up within the millisecond
  }
  lastTime = t;
  lastRandom = r;
  return encode(t, 10) + encode(r, 6);
}

export const RUN_ID = /^[0-9A-HJKMNP-TV-Z]{16}$/;
