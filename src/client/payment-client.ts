import {
  Client,
  Connection,
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { DomainError } from '../domain/domain-errors';
import { sameCreateRequest } from '../domain/create-request';
import { paymentWorkflowId } from '../domain/ids';
import type { CreatePaymentInput, PaymentView } from '../domain/payment';
import { payAgainRefusal } from '../domain/payment-state-machine';
import { parseRfc3339Millis } from '../domain/rfc3339';
import {
  channelNotifySignal,
  closePaymentUpdate,
  createPaymentUpdate,
  getPaymentQuery,
  MerchantIdKey,
  operatorCancelUpdate,
  operatorQueryUpdate,
  OutTradeNoKey,
  PAYMENT_TASK_QUEUE,
  PaymentStatusKey,
  payAgainUpdate,
  type ChannelNotice,
  type PaymentWorkflowOptions,
} from '../workflows/contract';
import type { paymentWorkflow } from '../workflows/payment-workflow';
import { CreatePaymentRequestSchema, PayAgainRequestSchema } from './payment-schemas';
import { assertDeliverableNotifyUrl } from '../net/notify-url-guard';
import { toDomainError } from './temporal-errors';
import { RequestValidationError, validationError } from './validation-error';

export interface PaymentClientOptions {
  taskQueue?: string;
  /** Production rules for notifyUrl (https, public addresses only); default: NODE_ENV === 'production'. */
  production?: boolean;
  workflowOptions?: PaymentWorkflowOptions;
  /**
   * The merchant's own channel accounts (e.g. MerchantRepository.findMerchant), to refuse a `channel`
   * outside them before anything starts (contract section 2). Without it, the caller checks.
   */
  merchantChannels?: (merchantId: string) => Promise<readonly string[] | null>;
}

/**
 * The typed client order services use to start and steer payments, with only a Temporal address.
 * Same validation and errors as the HTTP API (which is a thin layer over this class).
 */
export class PaymentClient {
  private readonly taskQueue: string;

  constructor(
    readonly temporal: Client,
    private readonly opts: PaymentClientOptions = {},
  ) {
    this.taskQueue = opts.taskQueue ?? PAYMENT_TASK_QUEUE;
  }

  static async connect(
    address: string,
    opts: PaymentClientOptions & { namespace?: string } = {},
  ): Promise<PaymentClient> {
    const connection = await Connection.connect({ address });
    return new PaymentClient(new Client({ connection, namespace: opts.namespace ?? 'default' }), opts);
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

    if ((parseRfc3339Millis(input.orderDeadline) ?? 0) <= Date.now()) {
      // A replay of an existing order still answers with that payment; only a new order is refused.
      const existing = await this.getByWorkflowId(workflowId);
      if (!existing) throw new DomainError('ORDER_EXPIRED', 'orderDeadline has already passed');
      return this.replay(existing, input);
    }
    try {
      return await this.temporal.workflow.executeUpdateWithStart(createPaymentUpdate, {
        args: [input],
        startWorkflowOperation: new WithStartWorkflowOperation<typeof paymentWorkflow>('paymentWorkflow', {
          workflowId,
          taskQueue: this.taskQueue,
          args: [{ request: input, options: this.opts.workflowOptions }],
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          typedSearchAttributes: [
            { key: PaymentStatusKey, value: 'CREATED' },
            { key: MerchantIdKey, value: merchantId },
            { key: OutTradeNoKey, value: input.outTradeNo },
          ],
        }),
      });
    } catch (err) {
      const domain = toDomainError(err);
      if (domain) throw domain;
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        // The workflow has finished (after its grace window): answer from its final state.
        const existing = await this.getByWorkflowId(workflowId);
        if (existing) return this.replay(existing, input);
      }
      throw err;
    }
  }

  async payAgain(merchantId: string, outTradeNo: string, raw: unknown = {}): Promise<PaymentView> {
    const parsed = PayAgainRequestSchema.safeParse(raw ?? {});
    if (!parsed.success) throw validationError(parsed.error);
    return this.update(merchantId, outTradeNo, (h) =>
      h.executeUpdate(payAgainUpdate, { args: [parsed.data] }),
    );
  }

  async close(merchantId: string, outTradeNo: string): Promise<PaymentView> {
    return this.update(merchantId, outTradeNo, (h) => h.executeUpdate(closePaymentUpdate, { args: [] }));
  }

  /** Operator entry: ask the channel now and apply the answer. */
  async operatorQuery(merchantId: string, outTradeNo: string): Promise<PaymentView> {
    return this.update(merchantId, outTradeNo, (h) => h.executeUpdate(operatorQueryUpdate, { args: [] }));
  }

  /** Operator entry (admin): reverse an unpaid payment at the channel and close it. */
  async operatorCancel(merchantId: string, outTradeNo: string): Promise<PaymentView> {
    return this.update(merchantId, outTradeNo, (h) => h.executeUpdate(operatorCancelUpdate, { args: [] }));
  }

  async get(merchantId: string, outTradeNo: string): Promise<PaymentView | null> {
    return this.getByWorkflowId(paymentWorkflowId(merchantId, outTradeNo));
  }

  /** Delivers a verified channel notification to its payment's workflow. */
  async notify(workflowId: string, notice: ChannelNotice): Promise<void> {
    await this.temporal.workflow.getHandle(workflowId).signal(channelNotifySignal, notice);
  }

  private async getByWorkflowId(workflowId: string): Promise<PaymentView | null> {
    try {
      return await this.temporal.workflow.getHandle(workflowId).query(getPaymentQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
  }

  private replay(existing: PaymentView, input: CreatePaymentInput): { payment: PaymentView; created: false } {
    if (!sameCreateRequest(existing, input)) {
      throw new DomainError(
        'IDEMPOTENCY_MISMATCH',
        'this outTradeNo was already used with a different amount, currency or orderDeadline',
      );
    }
    return { payment: existing, created: false };
  }

  private async update(
    merchantId: string,
    outTradeNo: string,
    send: (h: ReturnType<Client['workflow']['getHandle']>) => Promise<PaymentView>,
  ): Promise<PaymentView> {
    const handle = this.temporal.workflow.getHandle(paymentWorkflowId(merchantId, outTradeNo));
    try {
      return await send(handle);
    } catch (err) {
      const domain = toDomainError(err);
      if (domain) throw domain;
      if (err instanceof WorkflowNotFoundError) throw new DomainError('NOT_FOUND', 'payment not found');
      // The workflow has finished: its final status decides the answer.
      const view = await this.getByWorkflowId(handle.workflowId);
      if (!view) throw new DomainError('NOT_FOUND', 'payment not found');
      throw new DomainError(payAgainRefusal(view.status) ?? 'PAYMENT_CLOSED', `payment is ${view.status}`);
    }
  }
}
