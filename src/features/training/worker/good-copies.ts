/**
 * The divergence guard's copies and its answer to a divergence (guard.ts has the checks and the
 * exact restore): the last good copy of the model on the device, its bytes in worker memory on
 * a GPU backend (so a lost device can be rebuilt elsewhere), and how many restores came in a
 * row, which decides between halving a learning rate and pausing.
 */
import type { Hyperparams } from '../../../shared/config';
import type { VaeGan } from '../../../model/vaegan';
import { type DeviceWatch, unlessLost } from '../../../runtime/device-loss';
import { encodeRun, type RunSnapshot } from '../../run-archive/worker/encode';
import type { BackendName } from '../shared/protocol';
import {
  type Divergence,
  disposeGoodSnapshot,
  type GoodSnapshot,
  halved,
  isFiniteSnapshot,
  LR_LABELS,
  restoreSnapshot,
  takeSnapshot,
} from './guard';

/**
 * On a GPU backend, at most this often the last-good copy is also read back into worker
 * memory (as run-zip bytes), so that a lost device can be rebuilt on another backend.
 */
const HOST_COPY_MS = 20_000;
/** Restores without a new good copy in between before the guard gives up and pauses. */
const MAX_RESTORES_IN_A_ROW = 20;

/** What a snapshot records besides the tensors: the run's settings, counters and curves. */
export type SnapshotMeta = Omit<RunSnapshot, 'networks' | 'optimizers' | 'noiseDraws'>;

/** The last good copy as run-zip bytes in worker memory, and when it was read back. */
export interface HostCopy {
  step: number;
  bytes: Uint8Array;
  time: number;
}

/** What restoring after a divergence did, for the trainer to apply and tell. */
export interface Restored {
  /** The step of the copy that came back: the run goes on from there. */
  step: number;
  /** The learning rates with the blamed one halved, or null: training pauses. */
  hyperparams: Hyperparams | null;
  /** What happened, in words for the page. */
  message: string;
}

export class GoodCopies {
  private good: GoodSnapshot | undefined;
  private host: HostCopy | undefined;
  private restoresInARow = 0;

  constructor(
    /** Steps between two good copies. */
    private readonly every: number,
    private readonly now: () => number,
  ) {}

  /** The step of the last good copy, if there is one. */
  get step(): number | null {
    return this.good?.step ?? null;
  }

  /** The last good copy's bytes in worker memory (GPU backends only). */
  get hostCopy(): HostCopy | undefined {
    return this.host;
  }

  /** A fresh or imported model is good by construction (an import is checked for NaN). */
  adopt(model: VaeGan, meta: SnapshotMeta) {
    disposeGoodSnapshot(this.good);
    this.good = takeSnapshot(model, meta);
    this.host = undefined;
    this.restoresInARow = 0;
  }

  /**
   * Every `every` steps, a new last-good copy once its own probe came back finite; now and
   * then also its bytes in worker memory. `current` says whether the model is still the one
   * copied once the probe is back.
   */
  async keep(
    model: VaeGan,
    step: number,
    meta: () => SnapshotMeta,
    current: () => boolean,
    device: { readonly backend?: { name: BackendName }; readonly watch?: DeviceWatch },
  ) {
    if (step - (this.good?.step ?? -Infinity) < this.every) return;
    const candidate = takeSnapshot(model, meta());
    if (!(await unlessLost(device.watch, isFiniteSnapshot(candidate))) || !current()) {
      disposeGoodSnapshot(candidate);
      return;
    }
    disposeGoodSnapshot(this.good);
    this.good = candidate;
    this.restoresInARow = 0;
    if (this.now() - (this.host?.time ?? -Infinity) >= HOST_COPY_MS) {
      await this.refreshHostCopy(device.backend?.name, device.watch);
    }
  }

  /**
   * On a GPU backend, reads the last good copy back into worker memory as run-zip bytes:
   * a lost device takes its tensors with it, and these bytes rebuild the model elsewhere.
   */
  async refreshHostCopy(backend: BackendName | undefined, watch: DeviceWatch | undefined) {
    const good = this.good;
    if (!good || (backend !== 'webgl' && backend !== 'webgpu')) return;
    try {
      const { bytes } = await unlessLost(watch, encodeRun(good.run));
      this.host = { step: good.step, bytes, time: this.now() };
    } catch {
      // The copy was replaced or the device went away meanwhile: the previous copy stays.
    }
  }

  /**
   * The guard's answer to a NaN or Inf: the last good weights and Adam state come back into
   * `model` bit for bit, and the learning rate of the phase that went bad is halved (or, when
   * that keeps happening or it cannot go lower, training is to pause).
   * @param training whether the trainer goes on training after this (for the message)
   */
  restore(model: VaeGan, d: Divergence, hp: Hyperparams, training: boolean): Restored {
    const good = this.good!;
    const what = [
      d.metrics.length > 0 ? d.metrics.join(', ') : '',
      d.networks.length > 0 ? `${d.networks.join(', ')} weights` : '',
    ]
      .filter((x) => x)
      .join(' and ');
    restoreSnapshot(model, good);
    this.restoresInARow += 1;
    const next = this.restoresInARow <= MAX_RESTORES_IN_A_ROW ? halved(hp, d.lr) : null;
    const restored = `Step ${d.step}: ${what} became NaN or infinite. Restored the weights and optimiser state of step ${good.step}`;
    if (next) {
      const going = training ? 'Training continues.' : 'Press Train to go on.';
      return {
        step: good.step,
        hyperparams: next,
        message: `${restored} and halved ${LR_LABELS[d.lr]} from ${hp[d.lr].toPrecision(3)} to ${next[d.lr].toPrecision(3)}. ${going}`,
      };
    }
    const why =
      this.restoresInARow > MAX_RESTORES_IN_A_ROW
        ? `it diverged ${MAX_RESTORES_IN_A_ROW} times in a row`
        : `${LR_LABELS[d.lr]} is already at its minimum`;
    return {
      step: good.step,
      hyperparams: null,
      message: `${restored} and paused: ${why}. Lower the learning rates or β, γ, then press Train.`,
    };
  }

  /** Frees the device copy (the bytes in worker memory stay until the next model arrives). */
  dispose() {
    disposeGoodSnapshot(this.good);
    this.good = undefined;
  }

  /** Lets go of both copies without freeing anything: their device is gone. */
  forget() {
    this.good = undefined;
    this.host = undefined;
  }
}
