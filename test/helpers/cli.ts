import { main } from '../../src/cli/main.js';

/** Runs the CLI in this process, capturing what it prints to stderr. */
export async function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...a: unknown[]) => { lines.push(a.join(' ')); };
  try { return { code: await main(args), stderr: lines.join('\n') }; } finally { console.error = original; }
}
