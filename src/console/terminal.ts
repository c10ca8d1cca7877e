/** The console on a terminal: reads lines from stdin, prints the help and what the bot answers. */
import { createInterface } from 'node:readline';
import type { Deps } from '../deps.ts';
import { consoleHelp, createConsole, type RegisterListeners } from './console.ts';

/** Runs the console on stdin/stdout until `exit` or end of input; `intro` is printed after the help. */
export async function runConsole(deps: Deps, register: RegisterListeners, intro?: string): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  const lines: string[] = [];
  const waiters: ((l: string | null) => void)[] = [];
  let ended = false;
  rl.on('line', (l) => {
    const w = waiters.shift();
    if (w) w(l);
    else lines.push(l);
  });
  rl.on('close', () => {
    ended = true;
    for (const w of waiters.splice(0)) w(null);
  });
  const next = (prompt: string) => {
    if (process.stdin.isTTY) process.stdout.write(prompt);
    const l = lines.shift();
    if (l !== undefined) return Promise.resolve(l);
    if (ended) return Promise.resolve(null);
    return new Promise<string | null>((r) => waiters.push(r));
  };
  const c = await createConsole(deps, { write: (t) => process.stdout.write(t), ask: next }, register);
  process.stdout.write(consoleHelp());
  if (intro) process.stdout.write(`${wrapText(intro, 110)}\n\n`);
  for (;;) {
    const line = await next('icp> ');
    if (line === null || /^(exit|quit)$/i.test(line.trim())) break;
    try {
      await c.handle(line);
    } catch (err) {
      deps.logger.error('console command failed', err);
    }
  }
  rl.close();
  await c.close();
}

/** Breaks a paragraph into lines of at most `width` characters at spaces (a longer word keeps its own line). */
export function wrapText(text: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}
