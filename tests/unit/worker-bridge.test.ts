/**
 * The page's worker bridge with a fake Worker: an EventTarget whose messages go through a real
 * MessageChannel to an API exposed with comlink, so calls travel as they do in the browser.
 */
import * as Comlink from 'comlink';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LatestWins, WorkerBridge, WorkerStoppedError } from '../../src/app/worker-bridge';

/** A promise with its resolve function outside. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** What the fake worker runs. `hang` never answers, like a worker stuck in a step. */
function createTestApi() {
  let initCalls = 0;
  return {
    init: async () => {
      initCalls += 1;
      return initCalls;
    },
    initCalls: () => initCalls,
    double: async (n: number) => 2 * n,
    hang: () => new Promise<never>(() => undefined),
    fail: async () => {
      throw new Error('bad argument');
    },
  };
}
type TestApi = ReturnType<typeof createTestApi>;

const openWorkers: FakeWorker[] = [];

/** Stands in for a Worker: messages through a MessageChannel, errors dispatched by the test. */
class FakeWorker extends EventTarget {
  terminated = false;
  private readonly channel = new MessageChannel();

  constructor(api: object) {
    super();
    Comlink.expose(api, this.channel.port2);
    this.channel.port1.addEventListener('message', (event) =>
      this.dispatchEvent(new MessageEvent('message', { data: event.data })),
    );
    this.channel.port1.start();
    openWorkers.push(this);
  }

  postMessage(message: unknown, transfer: Transferable[] = []) {
    if (!this.terminated) this.channel.port1.postMessage(message, transfer);
  }

  terminate() {
    this.terminated = true;
    this.channel.port1.close();
    this.channel.port2.close();
  }

  /** An uncaught exception in the worker, as the browser reports it; returns the event. */
  throwUncaught(message: string): Event {
    const event = Object.assign(new Event('error', { cancelable: true }), { message });
    this.dispatchEvent(event);
    return event;
  }
}

afterEach(() => {
  for (const worker of openWorkers.splice(0)) worker.terminate();
});

/** A bridge on fake workers; `workers` lists each one it created. */
function makeBridge(options: Partial<ConstructorParameters<typeof WorkerBridge<TestApi>>[0]> = {}) {
  const workers: FakeWorker[] = [];
  const api = createTestApi();
  const bridge = new WorkerBridge<TestApi>({
    label: 'test worker',
    create: () => {
      const worker = new FakeWorker(api);
      workers.push(worker);
      return worker as unknown as Worker;
    },
    ...options,
  });
  return { bridge, workers, api };
}

describe('WorkerBridge', () => {
  it('starts its worker lazily, once, and runs init once per worker', async () => {
    const { bridge, workers, api } = makeBridge({
      init: async (remote) => (await remote.init()) === 1,
    });
    expect(workers).toHaveLength(0);
    expect(bridge.running).toBe(false);
    // No worker yet: a call is refused at once rather than starting one behind the client's back.
    await expect(bridge.call((r) => r.double(2))).rejects.toBeInstanceOf(WorkerStoppedError);
    expect(workers).toHaveLength(0);

    const [a, b] = await Promise.all([bridge.ready(), bridge.ready()]);
    expect([a, b]).toEqual([true, true]);
    expect(await bridge.ready()).toBe(true);
    expect(workers).toHaveLength(1);
    expect(api.initCalls()).toBe(1);
    expect(bridge.running).toBe(true);
    expect(await bridge.call((r) => r.double(21))).toBe(42);
    // A worker's own error reaches the caller as it is.
    await expect(bridge.call((r) => r.fail())).rejects.toThrow('bad argument');
  });

  it('rejects every waiting call when its worker is terminated, so finally blocks run', async () => {
    const { bridge, workers } = makeBridge();
    bridge.start();
    let saving = true;
    const save = bridge
      .call((r) => r.hang())
      .finally(() => {
        saving = false;
      });
    const other = bridge.call((r) => r.hang());
    await new Promise((r) => setTimeout(r, 20));
    expect(saving).toBe(true);
    bridge.terminate();
    await expect(save).rejects.toBeInstanceOf(WorkerStoppedError);
    await expect(other).rejects.toThrow('the test worker stopped before it answered');
    expect(saving).toBe(false);
    expect(workers[0]!.terminated).toBe(true);
    expect(bridge.running).toBe(false);
  });

  it('rejects the old worker calls on restart and serves new calls from the new worker', async () => {
    const { bridge, workers } = makeBridge();
    bridge.start();
    const before = bridge.generation;
    const waiting = bridge.call((r) => r.hang());
    bridge.restart();
    await expect(waiting).rejects.toThrow('the test worker was restarted before it answered');
    expect(workers).toHaveLength(2);
    expect(workers[0]!.terminated).toBe(true);
    expect(workers[1]!.terminated).toBe(false);
    expect(bridge.isCurrent(before)).toBe(false);
    expect(bridge.isCurrent(bridge.generation)).toBe(true);
    expect(await bridge.call((r) => r.double(4))).toBe(8);
  });

  it('reports a crash of the current worker only, and marks the error as handled', async () => {
    const onCrash = vi.fn();
    const { bridge, workers } = makeBridge({ onCrash });
    bridge.start();
    expect(bridge.crash).toBeNull();
    const event = workers[0]!.throwUncaught('boom');
    expect(event.defaultPrevented).toBe(true);
    expect(onCrash).toHaveBeenCalledWith({ kind: 'error', message: 'boom' });
    expect(bridge.crash).toEqual({ kind: 'error', message: 'boom' });

    workers[0]!.dispatchEvent(new Event('messageerror'));
    expect(onCrash).toHaveBeenLastCalledWith({ kind: 'messageerror', message: '' });

    bridge.restart();
    expect(bridge.crash).toBeNull();
    // The replaced worker's late error belongs to no one.
    workers[0]!.throwUncaught('late');
    expect(onCrash).toHaveBeenCalledTimes(2);
    workers[1]!.throwUncaught('');
    expect(onCrash).toHaveBeenLastCalledWith({ kind: 'error', message: '' });
  });

  it('tells a silent worker by its heartbeat and withdraws that when it answers', async () => {
    let answer = deferred();
    const onSilent = vi.fn();
    const onAnswer = vi.fn();
    const { bridge } = makeBridge({
      heartbeat: {
        everyMs: 5,
        timeoutMs: () => 30,
        ask: () => answer.promise,
        onSilent,
        onAnswer,
      },
    });
    bridge.start();
    await vi.waitFor(() => expect(onSilent).toHaveBeenCalled(), { timeout: 2000 });
    expect(onSilent.mock.calls[0]![0]).toBeGreaterThan(30);
    expect(onAnswer).not.toHaveBeenCalled();
    answer.resolve();
    await vi.waitFor(() => expect(onAnswer).toHaveBeenCalled(), { timeout: 2000 });
    // Answered at once from now on: no more silence reported.
    answer = { promise: Promise.resolve(), resolve: () => undefined };
    const silences = onSilent.mock.calls.length;
    await new Promise((r) => setTimeout(r, 80));
    expect(onSilent.mock.calls.length).toBe(silences);
    // A terminated worker's heartbeat stops.
    bridge.terminate();
    const answers = onAnswer.mock.calls.length;
    await new Promise((r) => setTimeout(r, 40));
    expect(onAnswer.mock.calls.length).toBe(answers);
  });

  it('shuts an idle worker down when asked to, and starts a new one for the next call', async () => {
    const { bridge, workers } = makeBridge({ idleShutdownMs: 10 });
    await bridge.ready();
    expect(await bridge.call((r) => r.double(1))).toBe(2);
    await vi.waitFor(() => expect(bridge.running).toBe(false), { timeout: 2000 });
    expect(workers[0]!.terminated).toBe(true);
    await bridge.ready();
    expect(workers).toHaveLength(2);
    // Not while a call waits.
    const waiting = bridge.call((r) => r.hang());
    await new Promise((r) => setTimeout(r, 40));
    expect(bridge.running).toBe(true);
    bridge.terminate();
    await expect(waiting).rejects.toBeInstanceOf(WorkerStoppedError);
  });
});

describe('LatestWins', () => {
  it('runs one request at a time and, of those made meanwhile, only the newest', async () => {
    const ran: number[] = [];
    const gates = new Map<number, ReturnType<typeof deferred<void>>>();
    const latest = new LatestWins<number>(async (n) => {
      ran.push(n);
      const gate = deferred();
      gates.set(n, gate);
      await gate.promise;
    });
    const first = latest.request(1);
    expect(latest.busy).toBe(true);
    void latest.request(2);
    void latest.request(3);
    expect(latest.waiting).toBe(true);
    expect(ran).toEqual([1]);
    gates.get(1)!.resolve();
    await vi.waitFor(() => expect(ran).toEqual([1, 3]));
    gates.get(3)!.resolve();
    await first;
    expect(latest.busy).toBe(false);
    expect(ran).toEqual([1, 3]);
    // Idle again: the next request runs at once.
    const next = latest.request(4);
    expect(ran).toEqual([1, 3, 4]);
    gates.get(4)!.resolve();
    await next;
  });

  it('holds the waiting request while its gate is shut and runs the newest on resume', async () => {
    let open = false;
    const ran: string[] = [];
    const latest = new LatestWins<string>(
      async (s) => {
        ran.push(s);
      },
      () => open,
    );
    await latest.request('a');
    await latest.request('b');
    expect(ran).toEqual([]);
    expect(latest.waiting).toBe(true);
    open = true;
    await latest.resume();
    expect(ran).toEqual(['b']);
    expect(latest.waiting).toBe(false);
  });

  it('starts a new drain after a request whose run threw', async () => {
    const ran: number[] = [];
    const latest = new LatestWins<number>(async (n) => {
      ran.push(n);
      if (n === 1) throw new Error('failed');
    });
    await expect(latest.request(1)).rejects.toThrow('failed');
    expect(latest.busy).toBe(false);
    await latest.request(2);
    expect(ran).toEqual([1, 2]);
  });
});
