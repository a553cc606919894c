import path from 'node:path';

/** The repository root: this file lives in <root>/scripts/lib. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** Downloaded tools (git-ignored). */
export const toolsDir = (projectRoot = PROJECT_ROOT): string => path.join(projectRoot, '.tools');

/** Local state such as database files (git-ignored). */
export const dataDir = (projectRoot = PROJECT_ROOT): string => path.join(projectRoot, '.data');
