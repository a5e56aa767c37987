/**
 * The training budget in the worker: the budget in force and auto-stop's memory (the best test
 * ELBO so far and how many measurements have not beaten it), the copies of the run pinned while
 * their weights are being measured, and the best one kept as a checkpoint.
 *
 * Measurements come from the quality worker through the page, seconds after their weights were
 * copied, while training goes on. So the copy a measurement is of is pinned when it is taken
 * (a full snapshot of the run: weights and Adam state, `snapshotRun`), and when the figure comes
 * back the best is saved from that pinned copy, never from the model as it is by then. The
 * arithmetic is in ../shared/budget.ts; the trainer decides when to stop.
 */
import type * as tf from '@tensorflow/tfjs';
import { DEFAULT_BUDGET, sanitizeBudget, type TrainingBudget } from '../../../shared/settings';
import { type CheckpointMeta, saveBestCheckpoint } from '../../checkpoints/shared/checkpoint-store';
import type { NetworkArtifacts } from '../../../model/serialize';
import { disposeSnapshot, encodeRun, type RunSnapshot } from '../../run-archive/worker/encode';
import {
  type AutoStopState,
  type AutoStopVerdict,
  budgetSpent,
  type BudgetState,
  type BudgetStop,
  type ElboMeasurement,
  FRESH_AUTO_STOP,
  recordMeasurement,
  type RunCounters,
} from '../shared/budget';
import { plateauMessage, spentRefusal, spentStop } from './budget-stop';

/** Copies pinned at once at most: a further one lets the oldest go (its figure keeps no copy). */
const MAX_PINS = 2;

/** Stores the best copy; the worker's own IndexedDB store unless a test gives another. */
export type SaveBest = (
  meta: Omit<CheckpointMeta, 'id'>,
  bytes: ArrayBuffer,
) => Promise<CheckpointMeta>;

/** What a measurement did: its verdict, the stop it calls for, a problem to tell the page. */
export interface MeasuredOutcome {
  verdict: AutoStopVerdict;
  stop?: BudgetStop;
  problem?: string;
}

interface Pin {
  generation: number;
  step: number;
  snapshot: RunSnapshot;
}

/** The bytes of a zip as an ArrayBuffer of exactly those bytes. */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? (bytes.buffer as ArrayBuffer)
    : (bytes.slice().buffer as ArrayBuffer);
}

export class BudgetKeeper {
  budget: TrainingBudget = { ...DEFAULT_BUDGET };
  autoStop: AutoStopState = { ...FRESH_AUTO_STOP };
  bestCheckpointId: number | null = null;
  stopped: BudgetStop | null = null;
  private pins: Pin[] = [];

  constructor(private readonly saveBest: SaveBest = saveBestCheckpoint) {}

  /** A new model: nothing measured yet; a restored run brings its budget and auto-stop state. */
  restart(from?: { budget?: TrainingBudget; autoStop?: AutoStopState }) {
    this.releaseAll();
    if (from?.budget) this.budget = sanitizeBudget(from.budget, this.budget);
    this.autoStop = from?.autoStop ? { ...from.autoStop } : { ...FRESH_AUTO_STOP };
    this.bestCheckpointId = null;
    this.stopped = null;
  }

  /** The state the page shows. */
  state(stepsPerEpoch: number): BudgetState {
    return {
      budget: { ...this.budget },
      stepsPerEpoch,
      autoStop: { ...this.autoStop },
      bestCheckpointId: this.bestCheckpointId,
      stopped: this.stopped,
    };
  }

  /** A new budget (fields not given stay), in force at once. */
  set(next: Partial<TrainingBudget>) {
    this.budget = sanitizeBudget({ ...this.budget, ...next }, this.budget);
  }

  /**
   * Whether training may start: a spent budget refuses (the message says why). After auto-stop
   * it may, and the patience counts afresh from the best so far.
   */
  beforeStart(at: RunCounters): string | null {
    if (budgetSpent(this.budget, at)) return spentRefusal(this.budget, at);
    if (this.stopped?.reason === 'plateau') this.autoStop = { ...this.autoStop, sinceBest: 0 };
    this.stopped = null;
    return null;
  }

  /** The stop the budget calls for after a step, if that step spent it. */
  stopAfterStep(at: RunCounters): BudgetStop | undefined {
    return budgetSpent(this.budget, at) ? spentStop(this.budget, at) : undefined;
  }

  /** Holds a copy of the run whose weights are about to be measured; the caller gave up its tensors. */
  pin(generation: number, snapshot: RunSnapshot) {
    this.pins.push({ generation, step: snapshot.step, snapshot });
    while (this.pins.length > MAX_PINS) disposeSnapshot(this.pins.shift()!.snapshot);
  }

  /** Steps of the copies pinned now (for tests and diagnostics). */
  get pinnedSteps(): number[] {
    return this.pins.map((p) => p.step);
  }

  /**
   * Counts a measurement of the weights at `m.step` of model `generation` (stale ones, of a model
   * replaced since, count for nothing). A new best is saved as the best checkpoint from the copy
   * pinned for it. Pins up to that step are let go.
   */
  async measured(
    generation: number,
    currentGeneration: number,
    m: ElboMeasurement,
    meta: () => Omit<CheckpointMeta, 'id' | 'step' | 'sizeBytes' | 'best'>,
  ): Promise<MeasuredOutcome> {
    try {
      if (generation !== currentGeneration) return { verdict: 'ignored' };
      const { state, verdict } = recordMeasurement(this.autoStop, m, this.budget.patience);
      this.autoStop = state;
      if (verdict === 'stop') {
        const message = plateauMessage(this.budget.patience, this.autoStop.best!);
        return { verdict, stop: { reason: 'plateau', step: m.step, message } };
      }
      if (verdict !== 'best') return { verdict };
      const pin = this.pins.find((p) => p.generation === generation && p.step === m.step);
      const why = pin
        ? await this.keepBest(pin.snapshot, m, meta())
        : 'its copy was no longer held';
      if (!why) return { verdict };
      // Counting goes on; the page hears that the best could not be stored.
      return {
        verdict,
        problem: `The best test ELBO so far (step ${m.step.toLocaleString('en-US')}) could not be kept as a checkpoint: ${why}.`,
      };
    } finally {
      this.release(generation, m.step);
    }
  }

  /** Lets go of the copies pinned for model `generation` up to `step`, and of older models'. */
  release(generation: number, step: number) {
    const keep: Pin[] = [];
    for (const pin of this.pins) {
      if (pin.generation === generation && pin.step > step) keep.push(pin);
      else disposeSnapshot(pin.snapshot);
    }
    this.pins = keep;
  }

  private releaseAll() {
    for (const pin of this.pins) disposeSnapshot(pin.snapshot);
    this.pins = [];
  }

  /** Stores the pinned copy as the best checkpoint; returns why not, or null when stored. */
  private async keepBest(
    snapshot: RunSnapshot,
    m: ElboMeasurement,
    meta: Omit<CheckpointMeta, 'id' | 'step' | 'sizeBytes' | 'best'>,
  ): Promise<string | null> {
    try {
      // The copy records auto-stop's state as of its own measurement.
      const { bytes } = await encodeRun({
        ...snapshot,
        autoStop: { best: m, sinceBest: 0, lastStep: m.step },
      });
      const saved = await this.saveBest(
        {
          ...meta,
          step: m.step,
          sizeBytes: bytes.byteLength,
          best: { elbo: m.elbo, images: m.basis.images, k: m.basis.k },
        },
        ownBuffer(bytes),
      );
      this.bestCheckpointId = saved.id;
      return null;
    } catch (error) {
      if (error instanceof DOMException && error.name === 'QuotaExceededError') {
        return 'the browser storage is full';
      }
      return error instanceof Error ? error.message : String(error);
    }
  }

  dispose() {
    this.releaseAll();
  }
}

/**
 * The encoder, decoder and generator of a snapshot as Layers artifacts for the quality worker:
 * the networks' own topology (logits out, as the app trains them) and the snapshot's weights.
 */
export async function measurementArtifacts(
  snapshot: RunSnapshot,
  topologies: Partial<Record<'encoder' | 'decoder' | 'generator', object>>,
  encodeWeights: (
    weights: { name: string; tensor: tf.Tensor }[],
  ) => Promise<{ data: ArrayBuffer; specs: NetworkArtifacts['weightSpecs'] }>,
): Promise<Partial<Record<'encoder' | 'decoder' | 'generator', NetworkArtifacts>>> {
  const out: Partial<Record<'encoder' | 'decoder' | 'generator', NetworkArtifacts>> = {};
  for (const net of snapshot.networks) {
    if (net.name === 'discriminator') continue;
    const topology = topologies[net.name];
    if (!topology) continue;
    const { data, specs } = await encodeWeights(net.weights);
    out[net.name] = { modelTopology: topology, weightSpecs: specs, weightData: data };
  }
  return out;
}
