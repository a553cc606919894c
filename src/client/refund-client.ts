import {
  Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { RefundRepository, type RefundRecord } from '../db/refund-repository';
import { DomainError } from '../domain/domain-errors';
import { paymentWorkflowId } from '../domain/ids';
import { refundIdFromUuid, type RefundView } from '../domain/refund';
import { ChannelKey, MerchantIdKey, OutTradeNoKey, PAYMENT_TASK_QUEUE } from '../workflows/contract';
import {
  getRefundQuery,
  REFUND_WORKFLOW_TYPE,
  type RefundProgress,
  type RefundWorkflowOptions,
} from '../workflows/refund/refund-contract';
import type { refundWorkflow } from '../workflows/refund/refund-workflow';
import type { PaymentClient, TemporalCallScope } from './payment-client';
import { CreateRefundRequestSchema, PaymentIdSchema, RefundIdSchema } from './refund-schemas';
import { validationError } from './validation-error';

/** Closed runs a refund sweeper starts again: they were stopped from outside, not by the refund's own logic. */
const RESTARTABLE: ReadonlySet<string> = new Set(['TERMINATED', 'CANCELLED', 'TIMED_OUT']);

export interface RefundClientOptions {
  /** The payments task queue: refund workflows run on the same workers. */
  taskQueue?: string;
  workflowOptions?: RefundWorkflowOptions;
  /** Runs each Temporal call (default: as it is); alongside() takes the payment client's. */
  callScope?: TemporalCallScope;
}

/**
 * Refunds for callers (the HTTP API, operators, order services). Unlike payments, a refund is recorded
 * before its workflow starts: the amount is reserved in one PostgreSQL transaction under the payment's
 * row lock, which is what keeps concurrent refunds within the paid amount. So this client needs the
 * database as well as Temporal. Errors are DomainErrors with the contract's codes.
 */
export class RefundClient {
  readonly refunds: RefundRepository;
  private readonly taskQueue: string;
  private readonly scope: TemporalCallScope;

  constructor(
    readonly temporal: Client,
    pool: Pool,
    private readonly opts: RefundClientOptions = {},
  ) {
    this.refunds = new RefundRepository(pool);
    this.taskQueue = opts.taskQueue ?? PAYMENT_TASK_QUEUE;
    this.scope = opts.callScope ?? ((fn) => fn());
  }

  /** A refund client on the same Temporal connection and task queue as `payments`. */
  static alongside(
    payments: PaymentClient,
    pool: Pool,
    opts: Omit<RefundClientOptions, 'taskQueue'> = {},
  ): RefundClient {
    // PaymentClient keeps its task queue private (no public accessor yet); refunds must run on the same one.
    return new RefundClient(payments.temporal, pool, {
      ...opts,
      taskQueue: payments['taskQueue'],
      callScope: (fn) => payments.callScope(fn),
    });
  }

  /**
   * Records the refund (PROCESSING, amount reserved) and starts its workflow. Resolves once the refund is
   * recorded, not when the channel has refunded it. created=false for a replay (same outRefundNo, same amount).
   */
  async create(
    merchantId: string,
    paymentId: string,
    raw: unknown,
  ): Promise<{ refund: RefundView; created: boolean }> {
    const id = PaymentIdSchema.safeParse(paymentId);
    if (!id.success) throw validationError(id.error);
    const parsed = CreateRefundRequestSchema.safeParse(raw);
    if (!parsed.success) throw validationError(parsed.error);
    const { refund, created } = await this.refunds.reserveMerchantRefund({
      merchantId,
      paymentId,
      outRefundNo: parsed.data.outRefundNo,
      amount: parsed.data.amount,
      reason: parsed.data.reason ?? null,
      refundId: refundIdFromUuid(randomUUID()),
      at: new Date().toISOString(),
    });
    // A replay also makes sure the workflow runs: the first request may have died between commit and start.
    if (refund.view.status === 'PROCESSING') await this.ensureRunning(refund);
    return { refund: refund.view, created };
  }

  async get(merchantId: string, refundId: string): Promise<RefundView> {
    const id = RefundIdSchema.safeParse(refundId);
    if (!id.success) throw validationError(id.error);
    const r = await this.refunds.findById(refundId, merchantId);
    if (!r) throw new DomainError('NOT_FOUND', `refund ${refundId} not found`);
    return r.view;
  }

  async listForPayment(merchantId: string, paymentId: string): Promise<RefundView[]> {
    const id = PaymentIdSchema.safeParse(paymentId);
    if (!id.success) throw validationError(id.error);
    const list = await this.refunds.listForPayment(paymentId, merchantId);
    if (!list) throw new DomainError('NOT_FOUND', `payment ${paymentId} not found`);
    return list.map((r) => r.view);
  }

  /**
   * Operator retry (`POST /v1/ops/refunds/{id}/retry`): a FAILED refund goes back to PROCESSING, its amount
   * reserved again (REFUND_EXCEEDS_AVAILABLE when it no longer fits), and its workflow runs again under the
   * same id and with the SAME channel refund number, so the channel can never pay it out twice.
   * A refund that is not FAILED is answered as it is (reopened=false); a PROCESSING one is made sure to run.
   */
  async retryFailed(refundId: string, reason?: string): Promise<{ refund: RefundView; reopened: boolean }> {
    const id = RefundIdSchema.safeParse(refundId);
    if (!id.success) throw validationError(id.error);
    const { refund, reopened } = await this.refunds.reopenFailedRefund(refundId, { reason });
    if (reopened) {
      // The previous run wrote FAILED as its last act; if it has not closed yet, it has nothing left to do.
      await this.start(refund, {
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        workflowIdConflictPolicy: 'TERMINATE_EXISTING',
      });
    } else if (refund.view.status === 'PROCESSING') {
      await this.ensureRunning(refund);
    }
    return { refund: refund.view, reopened };
  }

  /** The refund workflow's live state (query `getRefund`); null when it has no workflow (yet). */
  async progress(refundId: string): Promise<RefundProgress | null> {
    const r = await this.refunds.findById(refundId);
    if (!r) return null;
    try {
      return await this.scope(() => this.temporal.workflow.getHandle(r.workflowId).query(getRefundQuery));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
  }

  /** Starts the refund's workflow unless it runs already (idempotent). */
  async ensureRunning(refund: RefundRecord, taskQueue = this.taskQueue): Promise<void> {
    try {
      await this.start(refund, { workflowIdReusePolicy: 'ALLOW_DUPLICATE' }, taskQueue);
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return;
      throw err;
    }
  }

  /**
   * The refund sweeper's step: a PROCESSING refund whose workflow is not running (its reservation committed,
   * then the start failed, e.g. Temporal was down; or its run was terminated, cancelled or timed out) gets
   * it started, on its payment's task queue when the payment's workflow is still known, else on this
   * client's. A run that FAILED or COMPLETED with the refund still PROCESSING is a bug a restart would only
   * repeat: it is left for an operator. Returns true when it started one.
   */
  async resumeIfStranded(refund: RefundRecord): Promise<boolean> {
    if (refund.view.status !== 'PROCESSING') return false;
    const run = await this.describe(refund.workflowId);
    if (run && !RESTARTABLE.has(run.status.name)) return false;
    const payment = await this.describe(paymentWorkflowId(refund.merchantId, refund.paymentOutTradeNo));
    await this.ensureRunning(refund, payment?.taskQueue ?? this.taskQueue);
    return true;
  }

  private async describe(workflowId: string): Promise<WorkflowExecutionDescription | null> {
    try {
      return await this.scope(() => this.temporal.workflow.getHandle(workflowId).describe());
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
  }

  private async start(
    refund: RefundRecord,
    policies: {
      workflowIdReusePolicy: 'ALLOW_DUPLICATE';
      workflowIdConflictPolicy?: 'FAIL' | 'TERMINATE_EXISTING';
    },
    taskQueue = this.taskQueue,
  ): Promise<void> {
    await this.scope(() =>
      this.temporal.workflow.start<typeof refundWorkflow>(REFUND_WORKFLOW_TYPE, {
        workflowId: refund.workflowId,
        taskQueue,
        args: [{ refundId: refund.view.id, options: this.opts.workflowOptions }],
        ...policies,
        typedSearchAttributes: [
          { key: MerchantIdKey, value: refund.merchantId },
          { key: OutTradeNoKey, value: refund.paymentOutTradeNo },
          { key: ChannelKey, value: refund.channel },
        ],
      }),
    );
  }
}
