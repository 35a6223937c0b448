// The one row shape every bench module returns (`export async function run(): Promise<BenchRow[]>`),
// so bench/run.ts can print any bench as a table and a harness can collect the figures.

export interface BenchRow {
  readonly bench: string;
  readonly case: string;
  readonly [metric: string]: string | number;
}
