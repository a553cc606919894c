/** The workflow bundle, built without webpack's 20-line report on the console (warnings and errors still show). */
import { promises as fs } from 'node:fs';
import { bundleWorkflowCode, DefaultLogger, type WorkflowBundle } from '@temporalio/worker';

export async function bundleQuietly(workflowsPath: string): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
}

/** Bundles into `outFile` (for a worker's `workflowBundle: { codePath }`) and returns its path. */
export async function bundleToFile(workflowsPath: string, outFile: string): Promise<string> {
  const { code } = await bundleQuietly(workflowsPath);
  await fs.writeFile(outFile, code);
  return outFile;
}
