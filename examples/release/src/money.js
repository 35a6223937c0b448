'use strict';
// Money is handled in integer cents; this is the only place that rounds.

const SYMBOLS = { USD: '$', EUR: '€', GBP: '£' };

function roundCents(amount, mode = 'half-up') {
  switch (mode) {
    case 'half-up':
      // The epsilon keeps 172.5 from becoming 172.49999999999997 and rounding down.
      return Math.round(amount + Number.EPSILON * Math.abs(amount));
    case 'floor':
      return Math.floor(amount);
    default:
      throw new RangeError(`unknown rounding mode "${mode}" (expected half-up or floor)`);
  }
}

function formatMoney(cents, currency) {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const units = Math.floor(abs / 100);
  const rest = String(abs % 100).padStart(2, '0');
  return `${sign}${SYMBOLS[currency] ?? `${currency} `}${units}.${rest}`;
}

module.exports = { roundCents, formatMoney };
