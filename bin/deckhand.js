#!/usr/bin/env node
// deckhand's executable. Node 24 runs the TypeScript sources directly (type stripping).
import { main } from '../src/cli.ts';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
