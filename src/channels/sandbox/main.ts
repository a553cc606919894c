import { join } from 'node:path';
import { startSandboxServer } from './sandbox-server';

/** `tsx src/channels/sandbox/main.ts`: the sandbox channel on its own port until SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const scale = process.env.SANDBOX_NOTIFY_SCALE;
  const dataDir = process.env.DATA_DIR ?? '.data';
  const server = await startSandboxServer({
    port: Number(process.env.SANDBOX_PORT ?? 3100),
    host: process.env.SANDBOX_HOST ?? '127.0.0.1',
    dataDir,
    notifyScheduleScale: scale === undefined ? 1 : Number(scale),
    wechatPort: process.env.SANDBOX_WECHAT_PORT ? Number(process.env.SANDBOX_WECHAT_PORT) : undefined,
    // Its books survive its restarts, as a real channel's do.
    journalFile: process.env.SANDBOX_JOURNAL ?? join(dataDir, 'sandbox-journal.jsonl'),
    log: true,
  });
  console.log(`sandbox channel listening on ${server.url} (sandbox_wechat on ${server.wechat.url})`);
  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
