/**
 * Typed errors of the trainer's API, and the comlink handler that carries their `code` across
 * the worker boundary (comlink's own handler keeps only name, message and stack).
 * No tfjs here: the page imports this file too.
 */
import * as Comlink from 'comlink';

/** Why the worker API refused a call; each code has its own message. */
export type TrainerErrorCode =
  /** An argument of the wrong type or shape (not a number, not an object, unknown key). */
  | 'bad-argument'
  /** A number outside its allowed range (a slider value past its end, batch size 0). */
  | 'out-of-range'
  /** Run settings that do not describe a model this app can build. */
  | 'invalid-settings'
  /** The trainer is starting, loading or importing: the call must wait. */
  | 'busy'
  /** There is no model yet (init or configure has not run). */
  | 'not-ready'
  /** A test hook that this backend cannot perform (e.g. losing the device of wasm). */
  | 'unsupported';

export class TrainerInputError extends Error {
  constructor(
    readonly code: TrainerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TrainerInputError';
  }
}

/** An error rebuilt on the page: same name and message, with the code (or archive problem). */
export interface RemoteError extends Error {
  code?: TrainerErrorCode;
  /** RunArchiveError's reason for refusing a file. */
  problem?: string;
}

let installed = false;

/**
 * Extends comlink's "throw" handler so that thrown errors keep their `code` and `problem`
 * fields. Only the sending side (the worker) needs it: comlink's receiving side copies every
 * field of the serialised error onto the Error it throws.
 */
export function installErrorTransfer() {
  if (installed) return;
  installed = true;
  type Serialized = { isError: boolean; value: Record<string, unknown> };
  const base = Comlink.transferHandlers.get('throw') as Comlink.TransferHandler<
    { value: unknown },
    Serialized
  >;
  Comlink.transferHandlers.set('throw', {
    canHandle: base.canHandle,
    serialize: (thrown: { value: unknown }) => {
      const [serialized, transferables] = base.serialize(thrown);
      const error = thrown.value as { code?: unknown; problem?: unknown };
      if (serialized.isError) {
        if (typeof error.code === 'string') serialized.value.code = error.code;
        if (typeof error.problem === 'string') serialized.value.problem = error.problem;
      }
      return [serialized, transferables];
    },
    deserialize: base.deserialize,
  } as Comlink.TransferHandler<unknown, unknown>);
}
