#!/usr/bin/env node
// `npm start` / `npm test` / `npm run bench` from a fresh clone: install node_modules when missing or
// stale, then run the command. Plain Node with no dependencies, because it runs before npm ci.
import { spawn, spawnSync } from 'node:child_process';
import console from 'node:console';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
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
  const reason = staleReason();
  if (!reason) return;
  // npm ci empties node_modules through a symlink (a git worktree sharing another checkout's), which
  // would break that checkout: leave it to whoever owns the target.
  const modules = path.join(root, 'node_modules');
  if (existsSync(modules) && lstatSync(modules).isSymbolicLink()) {
    log(`${reason}, but node_modules links to ${realpathSync(modules)}: not reinstalling; run npm ci there`);
    return;
  }
  const status = withInstallLock(() => {
    const reason = staleReason(); // another process may have installed while we waited
    if (!reason) return 0;
    log(`${reason}: running npm ci`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const npmRun = (args, quiet) => {
      const result = spawnSync(npm, [...args, '--no-audit', '--no-fund'], {
        cwd: root,
        stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit',
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      if (result.error) throw new Error(`could not run npm: ${result.error.message}`);
      return { status: result.status ?? 1, output: quiet ? `${result.stdout}${result.stderr}` : '' };
    };
    const ci = npmRun(['ci'], true);
    if (ci.status === 0) {
      const summary = ci.output.split('\n').find((line) => /^(added|up to date)/.test(line));
      if (summary) log(summary);
      return 0;
    }
    // npm ci refuses a lock that does not match package.json or lacks an entry the registry must supply;
    // npm install resolves the same tree from the lock, and --no-save keeps both files untouched. Its
    // dozens of error lines go to a file, not over the console.
    const logFile = path.join(root, '.tools', 'npm-ci.log');
    writeFileSync(logFile, ci.output);
    const firstError =
      ci.output.split('\n').find((line) => /npm (error|ERR!)/.test(line)) ?? 'no reason given';
    log(
      `npm ci failed (${firstError.trim()}; full output in ${path.relative(root, logFile)}): trying npm install --no-save`,
    );
    return npmRun(['install', '--no-save'], false).status;
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
    // tsx as a loader rather than its CLI: one process fewer, and the stack's parent is us, which it
    // watches (src/main/local-stack.ts stops when we are gone).
    args: () => ['--import', 'tsx', 'src/main/local-stack.ts', ...extraArgs],
    detached: true,
  },
  bench: { args: () => [bin('tsx', 'dist', 'cli.mjs'), 'bench/run.ts', ...extraArgs], detached: false },
};

/**
 * The live members ("name pid") of a process group, from /proc (Linux). Zombies are left out: they hold
 * nothing, and here they may wait a while for a busy init to reap them. undefined without /proc.
 */
function groupMembers(pgid) {
  let entries;
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const members = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const [state, , pgrp] = stat.slice(close + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z')
        members.push(`${stat.slice(stat.indexOf('(') + 1, close)} ${entry}`);
    } catch {
      // exited meanwhile
    }
  }
  return members;
}

function groupAlive(pgid) {
  const members = groupMembers(pgid);
  if (members) return members.length > 0;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
  } catch {
    // nobody left
  }
}

/**
 * SIGTERM to a whole process group, then SIGKILL to whatever is left after graceMs. tsx's esbuild
 * helper normally lingers a moment after the stack exits; only what is still there later is reported.
 */
function killGroup(pgid, graceMs) {
  if (!groupAlive(pgid)) return;
  signalGroup(pgid, 'SIGTERM');
  for (let waited = 0; waited < graceMs && groupAlive(pgid); waited += 100) {
    if (waited === 500)
      log(`stopping what is left of process group ${pgid}: ${groupMembers(pgid)?.join(', ')}`);
    sleepSync(100);
  }
  if (groupAlive(pgid)) {
    log(`killing what is left of process group ${pgid}: ${groupMembers(pgid)?.join(', ')}`);
    signalGroup(pgid, 'SIGKILL');
  }
}

// A stack that has not stopped this long after our signal is killed outright (its own limit is 15 s).
const STOP_LIMIT_MS = 20_000;

function run(spec) {
  const child = spawn(process.execPath, spec.args(), {
    cwd: root,
    stdio: spec.detached ? ['ignore', 'inherit', 'inherit'] : 'inherit',
    detached: spec.detached,
  });
  // A terminal's Ctrl-C and npm's forwarding can deliver the same signal twice; forward it once, and
  // again only if it is repeated later (a second, impatient Ctrl-C).
  const lastForwarded = new Map();
  let killTimer;
  const forward = (signal) => {
    const now = Date.now();
    if (now - (lastForwarded.get(signal) ?? 0) < 1000) return;
    lastForwarded.set(signal, now);
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    killTimer ??= setTimeout(() => {
      log(`${command} did not stop within ${STOP_LIMIT_MS / 1000} s; killing it`);
      if (spec.detached) killGroup(child.pid, 0);
      else child.kill('SIGKILL');
    }, STOP_LIMIT_MS);
  };
  const handlers = {
    SIGINT: () => forward('SIGINT'),
    SIGTERM: () => forward('SIGTERM'),
    SIGHUP: () => forward('SIGTERM'),
  };
  for (const [signal, handler] of Object.entries(handlers)) process.on(signal, handler);
  // The process that started us (npm, a shell, a test harness) may die without a word (SIGKILL): we are
  // then re-parented, and stop the command as if told to.
  const parent = process.ppid;
  const parentWatch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(parentWatch);
    forward('SIGTERM');
  }, 250);
  child.on('error', (err) => {
    log(`could not start ${command}: ${err.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    for (const [sig, handler] of Object.entries(handlers)) process.removeListener(sig, handler);
    clearInterval(parentWatch);
    clearTimeout(killTimer);
    // The command's own group: anything still in it (PostgreSQL, the Temporal dev server of a stack that
    // was SIGKILLed or crashed) must not outlive the command.
    if (spec.detached) killGroup(child.pid, 3000);
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
