import { Client, Connection, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { DomainError } from '../domain/domain-errors';
import { sameCreateRequest } from '../domain/create-request';
import { paymentWorkflowId } from '../domain/ids';
import type { CreatePaymentInput, PaymentView } from '../domain/payment';
import { isTerminalPayment } from '../domain/payment-state-machine';
import { parseRfc3339Millis } from '../domain/rfc3339';
import {
  channelNotifySignal,
  closePaymentUpdate,
  createPaymentUpdate,
  getPaymentQuery,
  operatorCancelUpdate,
  operatorQueryUpdate,
  PAYMENT_TASK_QUEUE,
  payAgainUpdate,
  type ChannelNotice,
  type PaymentWorkflowOptions,
} from '../workflows/contract';
import { CreatePaymentRequestSchema, PayAgainRequestSchema } from './payment-schemas';
import { assertDeliverableNotifyUrl } from '../net/notify-url-guard';
import { cancelAfterEnd, closeAfterEnd, payAgainAfterEnd, replayOf } from './after-workflow-end';
import { paymentStartOperation } from './payment-start';
import { LateMoneyClient } from './late-money-client';
import type { PaymentRecords } from './payment-records';
import { isDeadlineExceeded, isWorkflowGone, toDomainError } from './temporal-errors';
import { RequestValidationError, validationError } from './validation-error';

export interface PaymentClientOptions {
  taskQueue?: string;
  /** Production rules for notifyUrl (https, public addresses only); default: NODE_ENV === 'production'. */
  production?: boolean;
  workflowOptions?: PaymentWorkflowOptions;
  /**
   * The payment record (e.g. a PaymentRepository). Needed to answer by the contract once a payment's workflow
   * has ended or been deleted; without it such a payment answers NOT_FOUND.
   */
  records?: PaymentRecords;
  /**
   * The merchant's own channel accounts (e.g. MerchantRepository.findMerchant), to refuse a `channel`
   * outside them before anything starts (contract section 2). Without it, the caller checks.
   */
  merchantChannels?: (merchantId: string) => Promise<readonly string[] | null>;
}

type Handle = ReturnType<Client['workflow']['getHandle']>;

/** Runs the Temporal calls made for one caller request (the API bounds them: src/api/dependency-monitor). */
export type TemporalCallScope = <T>(fn: () => Promise<T>) => Promise<T>;

/**
 * The typed client order services use to start and steer payments. Same validation and errors as the HTTP
 * API (which is a thin layer over this class). While the payment's workflow runs, commands go to it; after
 * it has ended, answers come from the record and late money goes to the late-money workflow.
 */
export class PaymentClient {
  private readonly taskQueue: string;
  private readonly records: PaymentRecords | undefined;
  private readonly late: LateMoneyClient;
  private scope: TemporalCallScope = (fn) => fn();

  constructor(
    readonly temporal: Client,
    private readonly opts: PaymentClientOptions = {},
  ) {
    this.taskQueue = opts.taskQueue ?? PAYMENT_TASK_QUEUE;
    this.records = opts.records;
    this.late = new LateMoneyClient(temporal, this.taskQueue);
  }

  static async connect(
    address: string,
    opts: PaymentClientOptions & { namespace?: string } = {},
  ): Promise<PaymentClient> {
    const connection = await Connection.connect({ address });
    return new PaymentClient(new Client({ connection, namespace: opts.namespace ?? 'default' }), opts);
  }

  /** Runs every Temporal call this client (and a RefundClient alongside it) makes for a caller in `scope`. */
  useCallScope(scope: TemporalCallScope): void {
    this.scope = scope;
  }

  get callScope(): TemporalCallScope {
    return this.scope;
  }

  /** Creates the payment (raw: a CreatePaymentRequest, validated here), or answers the existing one for a replay; resolves once the first channel call answered. */
  async create(merchantId: string, raw: unknown): Promise<{ payment: PaymentView; created: boolean }> {
    const parsed = CreatePaymentRequestSchema.safeParse(raw);
    if (!parsed.success) throw validationError(parsed.error);
    const input: CreatePaymentInput = { merchantId, ...parsed.data };
    if (input.channel !== undefined && this.opts.merchantChannels) {
      const own = await this.opts.merchantChannels(merchantId);
      if (!own?.includes(input.channel)) {
        throw new RequestValidationError([
          { path: 'channel', message: "must be one of the merchant's own channel accounts" },
        ]);
      }
    }
    if (input.notifyUrl) {
      await assertDeliverableNotifyUrl(input.notifyUrl, {
        production: this.opts.production ?? process.env.NODE_ENV === 'production',
      });
    }
    const workflowId = paymentWorkflowId(merchantId, input.outTradeNo);
    const expired = (parseRfc3339Millis(input.orderDeadline) ?? 0) <= Date.now();

    // The record first: a replay is compared with the stored row, and a final payment (whose workflow may be
    // gone) is answered from it, so no new workflow is ever started that would adopt an old row.
    const recorded = await this.records?.findByOutTradeNo(merchantId, input.outTradeNo);
    if (recorded && (expired || isTerminalPayment(recorded.status) || !sameCreateRequest(recorded, input)))
      return replayOf(recorded, input);
    if (expired) {
      // A replay of an existing order still answers with that payment; only a new order is refused.
      const existing = this.records ? null : await this.queryWorkflow(workflowId);
      if (!existing) throw new DomainError('ORDER_EXPIRED', 'orderDeadline has already passed');
      return replayOf(existing, input);
    }
    try {
      const result = await this.scope(() =>
        this.temporal.workflow.executeUpdateWithStart(createPaymentUpdate, {
          args: [input],
          startWorkflowOperation: paymentStartOperation(
            workflowId,
            this.taskQueue,
            input,
            this.opts.workflowOptions,
          ),
        }),
      );
      // A replay shows the payment as it is now: the record (refunds settle outside the workflow).
      return result.created ? result : { payment: await this.fresh(result.payment), created: false };
    } catch (err) {
      const domain = toDomainError(err);
      if (domain) throw domain;
      if (err instanceof WorkflowExecutionAlreadyStartedError || isWorkflowGone(err)) {
        // The workflow has finished since we looked: answer from where the payment stands.
        const existing = await this.current(merchantId, input.outTradeNo);
        if (existing) return replayOf(existing, input);
      }
      if (isDeadlineExceeded(err)) {
        // Slow, not down (a busy worker): once the workflow has recorded the payment it is under way, and
        // its state now is a true answer within the deadline; the merchant follows it (GET, notification).
        const underWay = await this.records?.findByOutTradeNo(merchantId, input.outTradeNo);
        if (underWay && sameCreateRequest(underWay, input)) return { payment: underWay, created: !recorded };
      }
      throw err;
    }
  }

  async payAgain(merchantId: string, outTradeNo: string, raw: unknown = {}): Promise<PaymentView> {
    const parsed = PayAgainRequestSchema.safeParse(raw ?? {});
    if (!parsed.success) throw validationError(parsed.error);
    return this.update(
      merchantId,
      outTradeNo,
      (h) => h.executeUpdate(payAgainUpdate, { args: [parsed.data] }),
      payAgainAfterEnd,
    );
  }

  async close(merchantId: string, outTradeNo: string): Promise<PaymentView> {
    return this.update(
      merchantId,
      outTradeNo,
      (h) => h.executeUpdate(closePaymentUpdate, { args: [] }),
      closeAfterEnd,
    );
  }

  /** Operator entry: ask the channel now and apply the answer (after the workflow ended: the late-money workflow does). */
  async operatorQuery(merchantId: string, outTradeNo: string): Promise<PaymentView> {
    return this.update(
      merchantId,
      outTradeNo,
      (h) => h.executeUpdate(operatorQueryUpdate, { args: [] }),
      async (p) => this.fresh(await this.late.operatorQuery(p)),
    );
  }

  /** Operator entry (admin): reverse an unpaid payment at the channel and close it. */
  async operatorCancel(merchantId: string, outTradeNo: string): Promise<PaymentView> {
    return this.update(
      merchantId,
      outTradeNo,
      (h) => h.executeUpdate(operatorCancelUpdate, { args: [] }),
      cancelAfterEnd,
    );
  }

  /** The payment as it is now; the record when there is one (it outlives the workflow). */
  async get(merchantId: string, outTradeNo: string): Promise<PaymentView | null> {
    return this.current(merchantId, outTradeNo);
  }

  /**
   * Delivers a verified channel notification to its payment's workflow; once that has ended (or was deleted),
   * to the late-money workflow `late-<paymentId>`, which records a late success and refunds it.
   */
  async notify(workflowId: string, notice: ChannelNotice, paymentId: string): Promise<void> {
    await this.scope(async () => {
      try {
        await this.temporal.workflow.getHandle(workflowId).signal(channelNotifySignal, notice);
      } catch (err) {
        if (!isWorkflowGone(err)) throw err;
        await this.late.notify(paymentId, notice);
      }
    });
  }

  private async current(merchantId: string, outTradeNo: string): Promise<PaymentView | null> {
    if (this.records) return this.records.findByOutTradeNo(merchantId, outTradeNo);
    return this.queryWorkflow(paymentWorkflowId(merchantId, outTradeNo));
  }

  /** The record's version of a view a workflow answered (its refundedAmount may be stale there). */
  private async fresh(view: PaymentView): Promise<PaymentView> {
    return (await this.records?.findById(view.id)) ?? view;
  }

  private async queryWorkflow(workflowId: string): Promise<PaymentView | null> {
    try {
      return await this.scope(() => this.temporal.workflow.getHandle(workflowId).query(getPaymentQuery));
    } catch (err) {
      if (isWorkflowGone(err)) return null;
      throw err;
    }
  }

  /** Sends a command to the running workflow; once it has ended, `afterEnd` answers from the record. */
  private async update(
    merchantId: string,
    outTradeNo: string,
    send: (h: Handle) => Promise<PaymentView>,
    afterEnd: (recorded: PaymentView) => PaymentView | Promise<PaymentView>,
  ): Promise<PaymentView> {
    // The whole command in one scope: the after-end path (e.g. the late-money workflow) uses Temporal too.
    return this.scope(async () => {
      try {
        return await this.fresh(
          await send(this.temporal.workflow.getHandle(paymentWorkflowId(merchantId, outTradeNo))),
        );
      } catch (err) {
        const domain = toDomainError(err);
        if (domain) throw domain;
        if (!isWorkflowGone(err)) throw err; // Temporal unreachable: a 503, retried by the caller.
        const recorded = await this.current(merchantId, outTradeNo);
        if (!recorded) throw new DomainError('NOT_FOUND', 'payment not found');
        return afterEnd(recorded);
      }
    });
  }
}
