import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// The layer rules of eslint.config.mjs, on virtual files at any depth: each forbidden import is reported,
// each allowed one is not. (static-checks.test.ts runs ESLint over the real tree.) ESLint loads its ESM
// config by dynamic import, which jest's module loader cannot do, so the cases run in one child process.
const LINT_CASES = `
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
const cases = JSON.parse(await new Promise((resolve) => {
  let input = '';
  process.stdin.on('data', (c) => (input += c)).on('end', () => resolve(input));
}));
// Virtual files are in no TypeScript project: only the import rules matter here.
const eslint = new ESLint({ overrideConfig: [{ files: ['**/*.ts'], ...tseslint.configs.disableTypeChecked }] });
const out = [];
for (const [filePath, code] of cases) {
  const [result] = await eslint.lintText(code + '\\nexport {};\\n', { filePath });
  out.push(result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message));
}
process.stdout.write(JSON.stringify(out));
`;

function lintAll(cases: Array<[string, string]>): string[][] {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', LINT_CASES], {
    cwd: join(__dirname, '..', '..'),
    input: JSON.stringify(cases),
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`eslint cases failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as string[][];
}

const forbidden: Array<[string, string]> = [
  ['src/domain/money.ts', "import { Pool } from 'pg';"],
  ['src/domain/money.ts', "import { readFileSync } from 'fs';"],
  ['src/domain/money.ts', "import { randomUUID } from 'node:crypto';"],
  ['src/domain/retry-rules/deep/rule.ts', "import { x } from '../../../db/pool';"],
  ['src/domain/retry-rules/rule.ts', "import type { X } from '../../workflows/payment/contract';"],
  ['src/domain/money.ts', "import { proxyActivities } from '@temporalio/workflow';"],
  ['src/domain/money.ts', "import Fastify from 'fastify';"],
  ['src/workflows/payment/steps.ts', "import { x } from '../../db/payment-repository';"],
  ['src/workflows/payment/steps.ts', "import type { X } from '../../db/payment-repository';"],
  ['src/workflows/late-money/deep/a.ts', "import { x } from '../../../channels/channel-port';"],
  [
    'src/workflows/refund/refund.ts',
    "import { createRefundActivities } from '../../activities/refund-activities';",
  ],
  ['src/workflows/merchant-notification/n.ts', "import { Client } from '@temporalio/client';"],
  ['src/workflows/payment/a.ts', "import { Context } from '@temporalio/activity';"],
  ['src/workflows/payment/a.ts', "import { Worker } from '@temporalio/worker';"],
  ['src/workflows/payment/a.ts', "import { setTimeout } from 'timers/promises';"],
  ['src/workflows/payment/a.ts', "import { z } from 'zod';"],
  ['src/workflows/payment/a.ts', "import { buildApi } from '../../api/app';"],
  ['src/api/payment-routes.ts', "import { paymentWorkflow } from '../workflows/payment/payment-workflow';"],
  ['src/api/ops/routes.ts', "import type { X } from '../../activities/payment-activities';"],
  ['src/client/payment-client.ts', "import { buildApi } from '../api/app';"],
  ['src/worker/create-worker.ts', "import { problem } from '../api/problem';"],
  ['src/db/deep/repo.ts', "import { problem } from '../../api/problem';"],
];

const allowed: Array<[string, string]> = [
  ['src/domain/retry-rules/rule.ts', "import { x } from '../money';"],
  ['src/domain/payment.ts', "import { x } from './retry-rules/rule';"],
  [
    'src/workflows/payment/steps.ts',
    "import type { createPaymentActivities } from '../../activities/payment-activities';",
  ],
  ['src/workflows/payment/steps.ts', "import { proxyActivities } from '@temporalio/workflow';"],
  ['src/workflows/payment/steps.ts', "import { ApplicationFailure } from '@temporalio/common';"],
  ['src/workflows/payment/steps.ts', "import { x } from '../../domain/payment';"],
  ['src/workflows/refund/refund.ts', "import { x } from '../payment/contract';"],
  ['src/api/payment-routes.ts', "import { PaymentClient } from '../client/payment-client';"],
  ['src/api/payment-routes.ts', "import { x } from '../db/payment-repository';"],
  ['src/main/api.ts', "import { buildApi } from '../api/app';"],
  ['test/integration/support/test-stack.ts', "import { buildApi } from '../../../src/api/app';"],
  ['bench/run.ts', "import { buildApi } from '../src/api/app';"],
];

let results: Map<string, string[]>;
const key = (file: string, code: string): string => `${file}\n${code}`;
beforeAll(() => {
  const cases = [...forbidden, ...allowed];
  const messages = lintAll(cases);
  results = new Map(cases.map(([file, code], i) => [key(file, code), messages[i] ?? []]));
}, 120_000);

test.each(forbidden)('%s may not: %s', (file, code) => {
  expect(results.get(key(file, code))).toHaveLength(1);
});

test.each(allowed)('%s may: %s', (file, code) => {
  expect(results.get(key(file, code))).toEqual([]);
});
