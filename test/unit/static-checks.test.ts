import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// The standards CI holds the code to, checked with the project's own tools and configuration.
const root = join(__dirname, '..', '..');
const run = (script: string, ...args: string[]) => {
  const r = spawnSync(process.execPath, [join(root, 'node_modules', ...script.split('/')), ...args], {
    cwd: root,
    encoding: 'utf8',
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}`.slice(-4000) };
};

test.each([
  ['TypeScript strict type check', 'typescript/bin/tsc', ['--noEmit', '-p', '.']],
  ['ESLint with type information', 'eslint/bin/eslint.js', ['.']],
  ['Prettier formatting', 'prettier/bin/prettier.cjs', ['--check', '.']],
])(
  '%s passes',
  (_name, script, args) => {
    const r = run(script, ...args);
    expect(r.status === 0 ? 'clean' : r.output).toBe('clean');
  },
  300_000,
);
