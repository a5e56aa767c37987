/**
 * What the training session tells the rest of the page, by subscription: the worker's own
 * events (`TrainerEvent`: status, metrics, pictures, weight snapshots…) and the page-side steps
 * of the session (a worker starting or stopped, a new model, a control pressed). The latent
 * explorer, the quality measures, the comparison run and image import each subscribe in their
 * own module; trainer-client.ts imports none of them.
 */
import type { Hyperparams } from '../../../shared/config';
import type { RunSettings, TrainerEvent } from '../shared/protocol';

/** A control of the main run, which the comparison run follows. */
export type TrainerControl = 'train' | 'pause' | 'step' | 'reset';

/** Steps of the session that happen on the page, not in the worker. */
export type TrainerSessionEvent =
  /**
   * A new worker holds its backend and hyperparameters and is about to build its first model
   * with `settings`; handlers may give it what it needs first (they are awaited).
   */
  | { type: 'worker-starting'; settings: RunSettings }
  /** The worker was terminated (restart, crash). */
  | { type: 'worker-stopped' }
  /** The form's settings are about to replace the running model (same worker). */
  | { type: 'replacing-model'; settings: RunSettings }
  | { type: 'control'; action: TrainerControl }
  /** Sliders moved: these hyperparameters were sent to the worker. */
  | { type: 'hyperparams-sent'; hyperparams: Partial<Hyperparams> };

export type TrainerClientEvent = TrainerEvent | TrainerSessionEvent;
export type TrainerEventType = TrainerClientEvent['type'];
export type TrainerEventOf<K extends TrainerEventType> = Extract<TrainerClientEvent, { type: K }>;

/**
 * A subscriber. It may return a promise: `emitTrainerEvent` waits for all of them. Handlers of
 * `weights` get buffers the trainer made for several owners: each reads, sends or moves only its
 * own (the explorer: `encoder`, `decoder`, `pageDecoderData`; the quality worker: `qualityCopy`)
 * and drops the others' before it sends anything, since a moved buffer cannot be sent again.
 */
export type TrainerEventHandler<K extends TrainerEventType> = (
  event: TrainerEventOf<K>,
) => void | Promise<unknown>;

const handlers = new Map<
  TrainerEventType,
  Set<(event: TrainerClientEvent) => void | Promise<unknown>>
>();

/**
 * Calls `handler` with every event of this type, in the order of subscription.
 * @returns a function that ends the subscription
 */
export function onTrainerEvent<K extends TrainerEventType>(
  type: K,
  handler: TrainerEventHandler<K>,
): () => void {
  let set = handlers.get(type);
  if (!set) {
    set = new Set();
    handlers.set(type, set);
  }
  const entry = handler as (event: TrainerClientEvent) => void | Promise<unknown>;
  set.add(entry);
  return () => {
    handlers.get(type)?.delete(entry);
  };
}

/**
 * Hands `event` to its subscribers (each is called even if an earlier one throws). Resolves when
 * every returned promise has; rejects with the first failure.
 */
export function emitTrainerEvent(event: TrainerClientEvent): Promise<void> {
  const results: unknown[] = [];
  for (const handler of [...(handlers.get(event.type) ?? [])]) {
    try {
      results.push(handler(event));
    } catch (error) {
      results.push(Promise.reject(error));
    }
  }
  return Promise.all(results).then(() => undefined);
}
