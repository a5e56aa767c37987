/**
 * The page's one way to run a Web Worker behind comlink. Every worker client (training, the
 * comparison run, the latent explorer, the quality measures, image import) holds a
 * `WorkerBridge` and gets from it:
 * - lazy start: `start()` or `ready()` (start plus the client's `init`, once per worker);
 * - crash status: uncaught errors and unreadable messages become one `onCrash` report, and an
 *   optional heartbeat tells a silent worker from a busy one;
 * - calls that always settle: a call still waiting when its worker is terminated or restarted
 *   is rejected with a `WorkerStoppedError`, so callers' `finally` blocks (busy flags) run;
 * - terminate, and idle shutdown for workers only needed now and then.
 * `LatestWins` below is the "only the newest request counts" queue the clients share.
 */
import * as Comlink from 'comlink';

/** A call was waiting on a worker that has been terminated or restarted: no answer will come. */
export class WorkerStoppedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerStoppedError';
  }
}

/** What went wrong in a worker, as its `error` or `messageerror` event tells it. */
export interface WorkerCrashReport {
  /** `error`: an uncaught exception in the worker; `messageerror`: a message could not be read. */
  kind: 'error' | 'messageerror';
  /** The exception's message ('' when the browser gives none, and for `messageerror`). */
  message: string;
}

/** A worker that answers slowly is asked again and again; silence for long is reported. */
export interface HeartbeatOptions<Api> {
  /** Milliseconds between questions (one question in flight at a time). */
  everyMs: number;
  /** Silence after which `onSilent` is called; read at each beat, so tests can shorten it. */
  timeoutMs: () => number;
  /** The cheap question, e.g. `(remote) => remote.getStatus()`. */
  ask: (remote: Comlink.Remote<Api>) => Promise<unknown>;
  /** Called at every beat while the question has waited longer than `timeoutMs`. */
  onSilent: (silentMs: number) => void;
  /** Called whenever the worker answers (or rejects) a question. */
  onAnswer: () => void;
}

export interface WorkerBridgeOptions<Api> {
  /** Names the worker in messages, e.g. "training worker". */
  label: string;
  /**
   * Makes the Worker. Written in the client as `new Worker(new URL('…', import.meta.url))` so
   * the bundler sees and builds the worker's entry.
   */
  create: () => Worker;
  /** Run once on each new worker by `ready()`; resolves whether the worker is usable. */
  init?: (remote: Comlink.Remote<Api>) => Promise<boolean>;
  /** An uncaught error or unreadable message in the current worker. */
  onCrash?: (report: WorkerCrashReport) => void;
  heartbeat?: HeartbeatOptions<Api>;
  /** Terminates the worker this long after its last call settled (none: it runs until ended). */
  idleShutdownMs?: number;
}

/** One started worker with everything that belongs to it alone. */
interface Instance<Api> {
  generation: number;
  worker: Worker;
  remote: Comlink.Remote<Api>;
  ready: Promise<boolean> | null;
  /** Rejecters of the calls still waiting for this worker. */
  pending: Set<(error: WorkerStoppedError) => void>;
  heartbeat: ReturnType<typeof setInterval> | undefined;
}

/** See the file header. One bridge per kind of worker; it runs at most one worker at a time. */
export class WorkerBridge<Api> {
  private instance: Instance<Api> | null = null;
  private generationCount = 0;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private lastCrash: WorkerCrashReport | null = null;

  constructor(private readonly options: WorkerBridgeOptions<Api>) {}

  /** Whether a worker is running (started and not yet terminated). */
  get running(): boolean {
    return this.instance !== null;
  }

  /** Counts started workers; compare with `isCurrent` to ignore answers of a replaced one. */
  get generation(): number {
    return this.generationCount;
  }

  /** The last crash report of the running worker (null when it has not crashed). */
  get crash(): WorkerCrashReport | null {
    return this.instance ? this.lastCrash : null;
  }

  /** Whether `generation` (read when a piece of work began) is still the running worker. */
  isCurrent(generation: number): boolean {
    return this.instance !== null && this.instance.generation === generation;
  }

  /** Starts the worker if none runs; returns its API. */
  start(): Comlink.Remote<Api> {
    if (this.instance) return this.instance.remote;
    const worker = this.options.create();
    const generation = ++this.generationCount;
    const instance: Instance<Api> = {
      generation,
      worker,
      remote: Comlink.wrap<Api>(worker),
      ready: null,
      pending: new Set(),
      heartbeat: undefined,
    };
    this.instance = instance;
    this.lastCrash = null;
    // The bridge reports a crash to its client, which shows it: the browser need not also log
    // it as the page's own uncaught error.
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      this.crashed(generation, { kind: 'error', message: (event as ErrorEvent).message || '' });
    });
    worker.addEventListener('messageerror', () => {
      this.crashed(generation, { kind: 'messageerror', message: '' });
    });
    if (this.options.heartbeat) this.startHeartbeat(instance, this.options.heartbeat);
    this.armIdleShutdown();
    return instance.remote;
  }

  /**
   * Lazy start: starts the worker if needed and runs the client's `init` on it once. Resolves
   * whether the worker is usable (false when `init` said so).
   */
  ready(): Promise<boolean> {
    const remote = this.start();
    const instance = this.instance!;
    if (!instance.ready) {
      const init = this.options.init;
      instance.ready = init
        ? this.call(() => init(remote)).catch(() => false)
        : Promise.resolve(true);
    }
    return instance.ready;
  }

  /**
   * Calls the running worker. The promise settles even if the worker never answers because it
   * was terminated or restarted meanwhile (a `WorkerStoppedError`). Rejects at once when no
   * worker runs: callers that want one started use `ready()` first.
   */
  call<R>(fn: (remote: Comlink.Remote<Api>) => R): Promise<Awaited<R>> {
    const instance = this.instance;
    if (!instance) {
      return Promise.reject(new WorkerStoppedError(`the ${this.options.label} is not running`));
    }
    clearTimeout(this.idleTimer);
    return new Promise<Awaited<R>>((resolve, reject) => {
      const settle = () => {
        instance.pending.delete(reject);
        if (this.instance === instance) this.armIdleShutdown();
      };
      instance.pending.add(reject);
      let answer: Promise<Awaited<R>>;
      try {
        answer = Promise.resolve(fn(instance.remote));
      } catch (error) {
        // A released proxy throws on access instead of rejecting.
        answer = Promise.reject(error);
      }
      answer.then(
        (value) => {
          settle();
          resolve(value);
        },
        (error: unknown) => {
          settle();
          reject(error);
        },
      );
    });
  }

  /**
   * Ends the worker. Every call still waiting for it is rejected with a `WorkerStoppedError`
   * carrying `why` (default: "the <label> stopped before it answered").
   */
  terminate(why?: string): void {
    const instance = this.instance;
    clearTimeout(this.idleTimer);
    if (!instance) return;
    this.instance = null;
    clearInterval(instance.heartbeat);
    instance.remote[Comlink.releaseProxy]();
    instance.worker.terminate();
    const error = new WorkerStoppedError(
      why ?? `the ${this.options.label} stopped before it answered`,
    );
    const rejecters = [...instance.pending];
    instance.pending.clear();
    for (const reject of rejecters) reject(error);
  }

  /** Terminates the running worker (if any) and starts a new one; returns its API. */
  restart(): Comlink.Remote<Api> {
    this.terminate(`the ${this.options.label} was restarted before it answered`);
    return this.start();
  }

  private crashed(generation: number, report: WorkerCrashReport) {
    // A terminated worker's late events belong to no one.
    if (!this.isCurrent(generation)) return;
    this.lastCrash = report;
    this.options.onCrash?.(report);
  }

  /** Asks the worker every `everyMs`; one question in flight at a time. */
  private startHeartbeat(instance: Instance<Api>, beat: HeartbeatOptions<Api>) {
    let askedAt = 0;
    let waiting = false;
    instance.heartbeat = setInterval(() => {
      if (this.instance !== instance) return;
      const now = performance.now();
      if (waiting) {
        if (now - askedAt > beat.timeoutMs()) beat.onSilent(now - askedAt);
        return;
      }
      waiting = true;
      askedAt = now;
      const answered = () => {
        waiting = false;
        if (this.instance === instance) beat.onAnswer();
      };
      // Not a tracked call: nobody waits on it, and it ends with its worker's heartbeat.
      beat.ask(instance.remote).then(answered, answered);
    }, beat.everyMs);
  }

  private armIdleShutdown() {
    const ms = this.options.idleShutdownMs;
    const instance = this.instance;
    clearTimeout(this.idleTimer);
    if (ms === undefined || !instance || instance.pending.size > 0) return;
    this.idleTimer = setTimeout(() => {
      if (this.instance === instance && instance.pending.size === 0) this.terminate();
    }, ms);
  }
}

/**
 * Only the newest request of a kind counts. One request runs at a time; requests made meanwhile
 * replace each other, and only the last one runs when the running one ends. An optional gate
 * (`when`) holds the waiting request until `resume()` finds the gate open.
 *
 * `run` reports its own errors: one that escapes rejects the requests waiting on this drain and
 * ends it (a later request starts a new one).
 */
export class LatestWins<T> {
  private next: { value: T } | null = null;
  private running = false;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly run: (request: T) => Promise<void>,
    private readonly when: () => boolean = () => true,
  ) {}

  /** Whether a request is running. */
  get busy(): boolean {
    return this.running;
  }

  /** Whether a request waits (replaced by any newer one). */
  get waiting(): boolean {
    return this.next !== null;
  }

  /** Asks for `value`. Resolves when no request is left to run (or the gate holds the rest). */
  request(value: T): Promise<void> {
    this.next = { value };
    return this.resume();
  }

  /** Runs the waiting request now if none runs and the gate is open. */
  resume(): Promise<void> {
    if (this.running) return this.idle;
    if (!this.next || !this.when()) return Promise.resolve();
    this.running = true;
    this.idle = this.drain();
    return this.idle;
  }

  /** Forgets the waiting request (the running one finishes). */
  clear(): void {
    this.next = null;
  }

  private async drain(): Promise<void> {
    try {
      while (this.next && this.when()) {
        const { value } = this.next;
        this.next = null;
        await this.run(value);
      }
    } finally {
      // Cleared in the same turn as the last check: a request made after it starts a new drain.
      this.running = false;
    }
  }
}
