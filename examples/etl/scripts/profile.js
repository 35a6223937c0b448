'use strict';
// Column profile of the raw extract (empty values, distinct values, date range),
// written to out/profile.json. Runs beside transform: it only reads out/raw/.

const fs = require('node:fs');
const { paths, writeAtomic, rel } = require('./lib');

const [header, ...rows] = fs.readFileSync(paths.raw, 'utf8').trimEnd().split('\n');
const columns = header.split(',');
const stats = Object.fromEntries(columns.map((c) => [c, { empty: 0, distinct: new Set() }]));
for (const row of rows) {
  row.split(',').forEach((value, i) => {
    const s = stats[columns[i]];
    if (!s) return;
    if (value.trim() === '') s.empty++;
    else s.distinct.add(value);
  });
}
const dates = [...stats.ordered_at.distinct].sort();
const profile = {
  rows: rows.length,
  from: dates[0],
  to: dates[dates.length - 1],
  columns: Object.fromEntries(
    Object.entries(stats).map(([c, s]) => [c, { empty: s.empty, distinct: s.distinct.size }]),
  ),
};
writeAtomic(paths.profile, JSON.stringify(profile, null, 2) + '\n');
for (const [c, s] of Object.entries(profile.columns)) {
  console.log(`${c.padEnd(16)} ${String(s.distinct).padStart(5)} distinct ${String(s.empty).padStart(4)} empty`);
}
console.log(`wrote ${rel(paths.profile)}`);
