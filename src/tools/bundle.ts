// The last build step (`npm run build`, run by `npm install` and `npm test`): bundle the compiled
// CLI in dist/ into dist/bundle/, which bin/dlsnoop runs. Node loads an ES module per file,
// resolving, reading and compiling each: about a hundred of ours and commander's cost some 50 ms
// on every start, a quarter of a short run. Code split at the dynamic imports stays in chunks of
// its own, so the FFI, the TUI and the prober are still loaded only by the commands that use them.
// koffi (a native addon) and blessed (which requires files by computed names) stay outside.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(DIST, 'bundle');

rmSync(OUT, { recursive: true, force: true });
await build({
  entryPoints: [join(DIST, 'cli.js')],
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['koffi', 'blessed'],
  plugins: [
    {
      // commander's require of child_process goes to a stand-in that loads it on first use.
      name: 'lazy-child-process',
      setup(bundle) {
        bundle.onResolve({ filter: /^(node:)?child_process$/ }, () => ({ path: join(DIST, 'tools', 'lazy-child-process.js') }));
      },
    },
  ],
  // commander is CommonJS: its require() of Node's modules needs a real require in an ES module.
  banner: { js: "import { createRequire as bundleRequire } from 'node:module';\nconst require = bundleRequire(import.meta.url);" },
  sourcemap: true,
  logLevel: 'warning',
});
