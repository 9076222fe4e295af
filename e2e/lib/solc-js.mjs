#!/usr/bin/env node
// solc's command line for tools that run a native solc binary (forge), on top of solc-js from npm — so the e2e suite
// compiles offline. Supports what they call: --version and --standard-json (input on stdin, output on stdout).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const solc = require('solc');
const args = process.argv.slice(2);

if (args.includes('--version')) {
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
} else if (args.includes('--standard-json')) {
  const input = fs.readFileSync(0, 'utf8');
  // Imports that the caller did not include are read from disk, relative to the working directory or --base-path.
  const basePath = args.includes('--base-path') ? args[args.indexOf('--base-path') + 1] : process.cwd();
  const findImports = (file) => {
    for (const candidate of [path.resolve(basePath, file), path.resolve(file)]) {
      if (fs.existsSync(candidate)) return { contents: fs.readFileSync(candidate, 'utf8') };
    }
    return { error: `file not found: ${file}` };
  };
  process.stdout.write(solc.compile(input, { import: findImports }));
} else {
  process.stderr.write(`solc-js.mjs: only --version and --standard-json are supported (got: ${args.join(' ')})\n`);
  process.exit(1);
}
