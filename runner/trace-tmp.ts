import * as fs from 'node:fs';
const on = process.env.CAIRN_TRACE !== undefined;
const marks: string[] = [];
export function mark(label: string): void {
  if (on) marks.push(`${(performance.timeOrigin + performance.now()).toFixed(3)} ${process.pid} ${label}`);
}
if (on) process.on('exit', () => fs.writeFileSync(`${process.env.CAIRN_TRACE}/trace-${process.pid}.txt`, marks.join('\n') + '\n'));
