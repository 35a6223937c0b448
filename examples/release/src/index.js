'use strict';
// Public API of receipt-kit.

const { priceOrder } = require('./cart');
const { formatMoney, roundCents } = require('./money');
const { renderReceipt } = require('./receipt');
const version = require('./version');

module.exports = { priceOrder, renderReceipt, formatMoney, roundCents, version };
