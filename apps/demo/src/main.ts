// `npm run demo`: the Switchyard shop, a few services calling each other through
// Switchyard on 127.0.0.1 under a paced load, with a live dashboard. See docs/demo.md.
import { ConfigError } from '@switchyard/core';
import { HELP, parseOptions } from './options.js';
import { runShop } from './shop.js';
import { summary } from './shopResult.js';

async function main(): Promise<number> {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\nSee --help for the flags.\n`);
    return 2;
  }
  if (options === undefined) {
    process.stdout.write(HELP);
    return 0;
  }
  // Ctrl-C stops the load and shuts the shop down gracefully; a second one kills at once.
  const interrupt = new AbortController();
  process.once('SIGINT', () => interrupt.abort());
  const result = await runShop(options, { signal: interrupt.signal });
  process.stdout.write(`\n${summary(result)}\n`);
  if (interrupt.signal.aborted) return 130;
  return result.errors === 0 && result.stepFailures === 0 ? 0 : 1;
}

main().then(
  (code) => {
    // Everything is closed: the process ends by itself with this code.
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
