#!/usr/bin/env node
// `npm start` / `npm test` / `npm run bench` from a fresh clone: install node_modules when missing or
// stale, then run the command. Plain Node with no dependencies, because it runs before npm ci.
import { spawn, spawnSync } from 'node:child_process';
import console from 'node:console';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [command, ...extraArgs] = process.argv.slice(2);

const log = (message) => console.error(`[bootstrap] ${message}`);

/** Why node_modules must be (re)installed, or undefined when it matches package-lock.json. */
function staleReason() {
  // npm writes this hidden lockfile on every install; it is older than package-lock.json exactly
  // when the lock changed (pull, checkout, edit) after the last install.
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(marker)) return 'node_modules is missing';
  if (statSync(path.join(root, 'package-lock.json')).mtimeMs > statSync(marker).mtimeMs) {
    return 'package-lock.json is newer than node_modules';
  }
  return undefined;
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

const sleepSync = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Serialises installs: `npm start` and `npm test` started together must not both run npm ci. */
function withInstallLock(fn) {
  const lockDir = path.join(root, '.tools', 'npm-ci.lock');
  mkdirSync(path.dirname(lockDir), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let owner = NaN;
      try {
        owner = Number(readFileSync(path.join(lockDir, 'pid'), 'utf8'));
      } catch {
        // owner is between mkdir and writing its pid
      }
      if (Number.isInteger(owner) && !pidAlive(owner)) rmSync(lockDir, { recursive: true, force: true });
      else sleepSync(500);
    }
  }
  try {
    writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
    return fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

function ensureDependencies() {
  if (!staleReason()) return;
  const status = withInstallLock(() => {
    const reason = staleReason(); // another process may have installed while we waited
    if (!reason) return 0;
    log(`${reason}: running npm ci`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const npmRun = (args) => {
      const result = spawnSync(npm, [...args, '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
      if (result.error) throw new Error(`could not run npm: ${result.error.message}`);
      return result.status ?? 1;
    };
    if (npmRun(['ci']) === 0) return 0;
    // npm ci also refuses a lock that lacks entries for optional platform packages (the committed
    // one lacks @swc/core's darwin/win32/other-arch builds). npm install resolves the same tree
    // from the lock, and --no-save keeps package.json and package-lock.json untouched.
    log('npm ci failed; trying npm install --no-save with the same lock file');
    return npmRun(['install', '--no-save']);
  });
  if (status !== 0) process.exit(status);
}

const bin = (...segments) => path.join(root, 'node_modules', ...segments);
const resultsFile = path.join(root, '.data', 'jest-results.json');

// `start` gets its own process group: a terminal's Ctrl-C then reaches only us, we pass it on once,
// and the stack shuts its parts down in order (API and worker before Temporal and PostgreSQL)
// instead of every process receiving SIGINT at the same moment. `test` and `bench` stay in the
// terminal's group, so Ctrl-C also stops jest's workers and servers directly.
const commands = {
  test: {
    // In band: the integration tests share one PostgreSQL and one Temporal dev server on 2 cores;
    // one process avoids worker start-up and makes timing-sensitive tests less flaky.
    args: () => {
      const userChoseWorkers = extraArgs.some((a) => /^(-i|--runInBand|-w|--maxWorkers)(=|$)/.test(a));
      // A fresh results file: a stale one must never be reported as this run's counts.
      mkdirSync(path.dirname(resultsFile), { recursive: true });
      rmSync(resultsFile, { force: true });
      return [
        bin('jest', 'bin', 'jest.js'),
        ...(userChoseWorkers ? [] : ['--runInBand']),
        '--json',
        `--outputFile=${resultsFile}`,
        ...extraArgs,
      ];
    },
    detached: false,
    // One plain closing line with the counts, whatever jest's own summary looks like.
    after: () => {
      try {
        const r = JSON.parse(readFileSync(resultsFile, 'utf8'));
        const skipped = r.numPendingTests + r.numTodoTests;
        console.log(
          `Tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`,
        );
      } catch {
        // jest did not get as far as writing results; its own output says why
      }
    },
  },
  start: {
    args: () => [bin('tsx', 'dist', 'cli.mjs'), 'src/main/local-stack.ts', ...extraArgs],
    detached: true,
  },
  bench: { args: () => [bin('tsx', 'dist', 'cli.mjs'), 'bench/run.ts', ...extraArgs], detached: false },
};

function run(spec) {
  const child = spawn(process.execPath, spec.args(), {
    cwd: root,
    stdio: spec.detached ? ['ignore', 'inherit', 'inherit'] : 'inherit',
    detached: spec.detached,
  });
  // A terminal's Ctrl-C and npm's forwarding can deliver the same signal twice; forward it once, and
  // again only if it is repeated later (a second, impatient Ctrl-C).
  const lastForwarded = new Map();
  const forward = (signal) => {
    const now = Date.now();
    if (now - (lastForwarded.get(signal) ?? 0) < 1000) return;
    lastForwarded.set(signal, now);
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  const handlers = {
    SIGINT: () => forward('SIGINT'),
    SIGTERM: () => forward('SIGTERM'),
    SIGHUP: () => forward('SIGTERM'),
  };
  for (const [signal, handler] of Object.entries(handlers)) process.on(signal, handler);
  child.on('error', (err) => {
    log(`could not start ${command}: ${err.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    for (const [sig, handler] of Object.entries(handlers)) process.removeListener(sig, handler);
    spec.after?.();
    if (signal) {
      // Die the same way, so shells and CI see "killed by SIGINT" rather than a plain failure.
      process.kill(process.pid, signal);
      process.exit(128 + (osConstants.signals[signal] ?? 0));
    }
    process.exit(code ?? 1);
  });
}

if (!command || !Object.hasOwn(commands, command)) {
  log(`usage: node scripts/bootstrap.mjs <${Object.keys(commands).join('|')}> [args...]`);
  process.exit(2);
}
ensureDependencies();
run(commands[command]);
