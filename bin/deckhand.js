#!/usr/bin/env node
// deckhand's executable. Node 24 runs the TypeScript sources directly (type stripping). On an
// older Node (the machine's own, when someone runs the script directly), re-run it on the Node 24
// that the project pins as a devDependency.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
const tooOld = major < 22 || (major === 22 && minor < 18);

if (tooOld) {
  const pinned = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (!existsSync(pinned)) {
    console.error(
      `deckhand needs Node 22.18 or newer (this is ${process.version}); run 'npm ci' to get the pinned Node 24.`,
    );
    process.exit(1);
  }
  // Flags given to this Node (the heap flags of `npm start`) apply to the Node that does the work.
  const child = spawn(
    pinned,
    [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    {
      stdio: 'inherit',
    },
  );
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  // Node keeps the compiled (and type-stripped) modules in its compile cache (the temp dir, or
  // NODE_COMPILE_CACHE): a command then starts in about two thirds of the time. A cache it cannot
  // write is skipped silently.
  module.enableCompileCache?.();
  const { main } = await import('../src/cli.ts');
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
