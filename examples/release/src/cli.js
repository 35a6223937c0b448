#!/usr/bin/env node
'use strict';
// `receipt [--rounding half-up|floor] <order.json>` prints the receipt for an order;
// `receipt --version` prints the version the build stamped.

const fs = require('node:fs');
const { priceOrder, renderReceipt, version } = require('./index');

function main(argv) {
  if (argv.includes('--version')) {
    console.log(version);
    return 0;
  }
  let rounding;
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--rounding') rounding = argv[++i];
    else files.push(argv[i]);
  }
  if (files.length !== 1) {
    console.error('usage: receipt [--rounding half-up|floor] <order.json> | --version');
    return 2;
  }
  const order = JSON.parse(fs.readFileSync(files[0], 'utf8'));
  process.stdout.write(renderReceipt(order, priceOrder(order, { rounding })));
  return 0;
}

module.exports = { main };

if (require.main === module) process.exitCode = main(process.argv.slice(2));
