import { allHandlersFinished, condition, continueAsNew, workflowInfo } from '@temporalio/workflow';
import { msUntil, nextPollDelayMs } from '../../domain/expiry';
import { isTerminalPayment } from '../../domain/payment-state-machine';
import type { PaymentWorkflowInput } from '../contract';
import { poll } from './attempt-steps';
import { retryAutomatically } from './auto-retry';
import { expire, retryCloseIntent } from './close-intent';
import { CommandQueue } from './commands';
import { recordAndPay } from './create-step';
import { registerHandlers, type CreateProgress } from './handlers';
import { drainNotices, NoticeInbox } from './notices';
import { resolveOptions } from './options';
import { PaymentState } from './payment-state';
import type { PaymentPhase } from './resume';

/**
 * One payment order, from creation to a true final status, then a grace window for late money.
 * The only writer of the payment's status; every channel call carries the attempt's own trade number.
 * Long waits continue as new, carrying the whole state, so the history stays bounded.
 */
export async function paymentWorkflow(input: PaymentWorkflowInput): Promise<void> {
  const opts = resolveOptions(input.options);
  const resumed = input.resume;
  const s = resumed ? PaymentState.fromResume(input.request, resumed) : new PaymentState(input.request);
  const inbox = new NoticeInbox(resumed?.seenNotifyIds);
  const commands = new CommandQueue(s, opts.pollMaxMs);
  const progress: CreateProgress = resumed
    ? {
        recorded: true,
        firstCallDone: true,
        inserted: false,
        creatorClaimed: true,
        failure: null,
        closing: false,
      }
    : {
        recorded: false,
        firstCallDone: false,
        inserted: false,
        creatorClaimed: false,
        failure: null,
        closing: false,
      };
  registerHandlers(s, inbox, commands, progress);

  if (!resumed) {
    await recordAndPay(s, progress);
    if (progress.failure) {
      await condition(allHandlersFinished);
      // A replay that does not match its stored row is the caller's mistake, answered; anything else the
      // record refused is in front of an operator as a failed workflow.
      if (progress.failure.type === 'IDEMPOTENCY_MISMATCH') return;
      throw progress.failure;
    }
  }

  /** Everything that arrived, handled; true when something was. */
  const handleArrivals = async (): Promise<boolean> => {
    if (!inbox.pending && !commands.pending) return false;
    await drainNotices(s, inbox);
    if (commands.pending) await commands.runNext();
    return true;
  };
  const runEvents = (): number => workflowInfo().historyLength;
  const mayContinueAsNew = async (phase: PaymentPhase): Promise<void> => {
    const info = workflowInfo();
    if (!info.continueAsNewSuggested && runEvents() < opts.maxHistoryEvents) return;
    // Nothing may be lost on the way: no notice or command waiting, no Update or signal handler running.
    if (inbox.pending || commands.pending || !allHandlersFinished()) return;
    await continueAsNew<typeof paymentWorkflow>({
      request: input.request,
      options: input.options,
      resume: s.toResume(phase, inbox.seenIds()),
    });
  };

  let phase: PaymentPhase = resumed?.phase ?? { kind: 'ACTIVE', polls: 0 };
  while (phase.kind === 'ACTIVE') {
    if (isTerminalPayment(s.status)) {
      s.intent = null;
      phase = { kind: 'GRACE', graceEnd: Date.now() + opts.graceMs };
      break;
    }
    await mayContinueAsNew(phase);
    const msLeft = msUntil(new Date(s.deadline), new Date());
    const wait = s.intent
      ? Math.max(0, s.intent.nextTryAt - Date.now())
      : s.hasOpenAttempt
        ? nextPollDelayMs(phase.polls, msLeft, { initialMs: opts.pollInitialMs, maxMs: opts.pollMaxMs })
        : msLeft;
    const arrived = () => inbox.pending || commands.pending;
    // No timer for no wait (polling compressed to nothing in tests): a timer costs events and latency.
    const woke = wait > 0 ? await condition(arrived, wait) : arrived();
    if (woke) {
      const ranCommand = commands.pending;
      await handleArrivals();
      if (ranCommand) phase.polls = 0; // a command may have started a new attempt: poll it from the start
      await retryAutomatically(s);
    } else if (s.intent) {
      await retryCloseIntent(s, opts.pollMaxMs);
    } else if (Date.now() >= s.deadline) {
      await expire(s);
    } else if (s.hasOpenAttempt) {
      phase.polls += 1;
      await poll(s);
      await retryAutomatically(s);
    }
  }

  // Grace window: late and duplicate notifies still arrive; each is recorded for refund. The workflow is
  // RUNNING meanwhile; its PaymentStatus search attribute shows the final status.
  const graceEnd = phase.graceEnd;
  while (Date.now() < graceEnd) {
    await mayContinueAsNew(phase);
    const woke = await condition(() => inbox.pending || commands.pending, graceEnd - Date.now());
    if (!woke) break;
    await handleArrivals();
  }
  // Whatever arrived with the end of the window is answered before the run completes; nothing new that
  // needs the channel is taken on (PAYMENT_WORKFLOW_ENDING), so the end is reached however busy it is.
  progress.closing = true;
  for (;;) {
    if (await handleArrivals()) continue;
    if (allHandlersFinished()) return;
    await condition(() => inbox.pending || commands.pending || allHandlersFinished());
  }
}
