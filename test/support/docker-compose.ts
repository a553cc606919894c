/**
 * Finds a Compose implementation that can run `config` (it validates and renders the file without a
 * Docker engine), installing one when missing. Measured on the CI machine kind (Debian 12, root):
 * `apt-get install docker-compose` (Compose v1.29, Debian-tested dependencies) takes ~8 s; pip from
 * PyPI takes ~27 s and only works by building PyYAML 5.4.1 from source with Cython < 3, so it is the
 * fallback for non-root or non-Debian machines.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { withFileLock } from '../../scripts/lib/file-lock';
import { toolsDir } from '../../scripts/lib/paths';
import { findOnPath, isExecutableFile, run } from '../../scripts/lib/proc';
import { findPythonWithPip } from '../../scripts/lib/pypi-binary';

export interface ComposeCommand {
  command: string;
  /** Arguments that come before the compose subcommand (e.g. `compose` for the docker plugin). */
  prefix: string[];
  env: NodeJS.ProcessEnv;
  describe: string;
}

const log = (message: string): void => console.log(`[docker-compose] ${message}`);
const pipTarget = (): string => path.join(toolsDir(), 'compose');

async function installed(): Promise<ComposeCommand | undefined> {
  const explicit = process.env.DOCKER_COMPOSE_PATH;
  if (explicit) {
    if (!(await isExecutableFile(explicit)))
      throw new Error(`DOCKER_COMPOSE_PATH=${explicit} is not executable`);
    return { command: explicit, prefix: [], env: process.env, describe: explicit };
  }
  const v1 = await findOnPath('docker-compose');
  if (v1) return { command: v1, prefix: [], env: process.env, describe: v1 };
  const docker = await findOnPath('docker');
  if (docker && (await run(docker, ['compose', 'version'])).code === 0) {
    return { command: docker, prefix: ['compose'], env: process.env, describe: 'docker compose (plugin)' };
  }
  const script = path.join(pipTarget(), 'bin', 'docker-compose');
  if (await isExecutableFile(script)) {
    const python = await findPythonWithPip();
    const env = { ...process.env, PYTHONPATH: pipTarget() };
    return { command: python, prefix: [script], env, describe: `${script} (pip --target)` };
  }
  return undefined;
}

async function installWithApt(): Promise<string> {
  const aptGet = await findOnPath('apt-get');
  if (process.getuid?.() !== 0 || !aptGet) throw new Error('apt-get needs root on a Debian-like system');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Wait for a concurrent apt/dpkg run instead of failing on its lock.
  const install = [
    '-o',
    'DPkg::Lock::Timeout=300',
    'install',
    '-y',
    '--no-install-recommends',
    'docker-compose',
  ];
  let result = await run(aptGet, install, { env });
  if (result.code !== 0) {
    // A fresh machine may have no (or stale) package lists.
    await run(aptGet, ['-o', 'DPkg::Lock::Timeout=300', 'update'], { env });
    result = await run(aptGet, install, { env });
  }
  if (result.code !== 0) throw new Error(`apt-get install docker-compose failed:\n${result.output}`);
  return 'apt-get install docker-compose';
}

async function installWithPip(): Promise<string> {
  const python = await findPythonWithPip();
  const constraints = path.join(toolsDir(), 'compose-build-constraints.txt');
  await fs.mkdir(toolsDir(), { recursive: true });
  // docker-compose 1.29.2 pins PyYAML<6, whose sdist does not build with Cython 3.
  await fs.writeFile(constraints, 'cython<3\n');
  const result = await run(
    python,
    [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--no-input',
      '--target',
      pipTarget(),
      'docker-compose==1.29.2',
    ],
    { env: { ...process.env, PIP_CONSTRAINT: constraints } },
  );
  if (result.code !== 0) throw new Error(`pip install docker-compose failed:\n${result.output}`);
  return `pip install --target ${pipTarget()} docker-compose`;
}

export async function resolveDockerCompose(): Promise<ComposeCommand> {
  const found = await installed();
  if (found) return found;
  return withFileLock(path.join(toolsDir(), 'compose.lock'), async () => {
    const raced = await installed();
    if (raced) return raced;
    const failures: string[] = [];
    for (const install of [installWithApt, installWithPip]) {
      try {
        const started = Date.now();
        const how = await install();
        log(`installed with ${how} in ${Date.now() - started} ms`);
        const now = await installed();
        if (now) return now;
      } catch (err) {
        failures.push(String(err));
      }
    }
    throw new Error(
      `no docker-compose found or installable:\n${failures.join('\n')}\n` +
        'Install it (apt-get install docker-compose, or the docker compose plugin) or set DOCKER_COMPOSE_PATH.',
    );
  });
}

export function composeRun(compose: ComposeCommand, args: string[], cwd: string) {
  return run(compose.command, [...compose.prefix, ...args], { cwd, env: compose.env });
}
