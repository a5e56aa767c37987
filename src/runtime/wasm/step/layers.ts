/**
 * The compiled step's layer-level operations (dense-step.ts builds the phases from them): a dense
 * layer forwards, a product ending in a ReLU or sigmoid gradient, a layer's weight gradient with
 * Adam, D's one-unit logit layer; each fused into the products by default, or the unfused way
 * when a lever is off (StepLevers, measured by bench/step-engine.ts).
 */
import type { AdamStep, GemmCall, StepRuntime } from './tasks';
import { TaskIssuer } from './tasks';
import type { StepDims, Workspace } from './workspace';

/** A dense layer's kernel [in x out] and bias [out] (byte addresses). */
export interface Layer {
  w: number;
  b: number;
}
/** A layer Adam moves: its moments in, and where the new weights and moments go. */
export interface TrainedLayer extends Layer {
  wm: number;
  wv: number;
  bm: number;
  bv: number;
  wOut: number;
  bOut: number;
  wmOut: number;
  wvOut: number;
  bmOut: number;
  bvOut: number;
}
/** The phases of the step, in order (a product started ahead is for the next one). */
export type StepPhase = 'vae' | 'fakes' | 'discriminator' | 'generator';

/** The hidden layer and the output layer of one MLP network. */
export type Net<T extends Layer = Layer> = readonly [T, T];

/** Whether a layer is being trained (it has Adam's state and outputs). */
export const trained = (l: Layer | TrainedLayer): l is TrainedLayer => 'wOut' in l;

/**
 * What the compiled step does to go fast, each of which can be turned off to measure what it
 * buys (bench/step-engine.ts, bench/levers.md); all on in the app.
 */
export interface StepLevers {
  /** Bias, activation and their gradients in the product's last pass, not passes of their own. */
  fuseEndings: boolean;
  /** Adam in the weight gradient's product, not the gradient stored and then a pass of Adam. */
  fuseAdam: boolean;
  /** Phase 3 takes the fakes' decoder pass instead of running it again. */
  reuseFakes: boolean;
  /** The element-wise tasks on every thread, not the calling thread's alone. */
  parallelElementwise: boolean;
  /**
   * A phase starts the next phase's first product on the helper threads before it returns, so
   * that they compute it while tfjs's plumbing between the phases runs (forward's `ahead`).
   */
  productsAhead: boolean;
}
export const ALL_LEVERS: StepLevers = {
  fuseEndings: true,
  fuseAdam: true,
  reuseFakes: true,
  parallelElementwise: true,
  productsAhead: true,
};

/** The layer operations of the step on one workspace, with its task issuer. */
export class LayerOps {
  protected readonly tasks: TaskIssuer;
  readonly dims: StepDims;

  constructor(
    protected readonly rt: StepRuntime,
    readonly workspace: Workspace,
    readonly levers: StepLevers = ALL_LEVERS,
  ) {
    this.dims = workspace.dims;
    this.tasks = new TaskIssuer(
      rt,
      workspace.at.descriptors,
      workspace.at.packed,
      workspace.at.packedA,
    );
    this.tasks.elementwiseAlone = !levers.parallelElementwise;
  }

  /** A product ending in a ReLU or sigmoid gradient: fused, or as a pass of its own. */
  protected backward(epilogue: 'mask' | 'dsig', call: GemmCall & { c: number; aux: number }) {
    if (this.levers.fuseEndings) {
      this.tasks.gemm(epilogue, call);
      return;
    }
    this.tasks.gemm('store', { ...call, aux: undefined });
    this.tasks.ending({ mode: epilogue, c: call.c, rows: call.m, width: call.n, aux: call.aux });
  }

  protected get f32(): Float32Array {
    return this.tasks.views.f32;
  }

  /** Sum of the first `count` floats at `at`, in order. */
  protected sum(at: number, count: number): number {
    const f = this.f32;
    let s = 0;
    for (let i = 0; i < count; i++) s += f[(at >> 2) + i]!;
    return s;
  }

  /**
   * The weight gradient X^T dY of a layer as Adam's input, moving weight and bias at once.
   * X is [rows x in] (row stride `in`), dY [rows x out]. Returns the squared gradient norm.
   */
  protected weightStep(
    layer: TrainedLayer,
    x: number,
    dy: number,
    rows: number,
    inputs: number,
    outputs: number,
    adam: AdamStep,
  ): number {
    const { at } = this.workspace;
    if (!this.levers.fuseAdam)
      return this.unfusedWeightStep(layer, x, dy, rows, inputs, outputs, adam);
    const chunks = this.tasks.gemm('adam', {
      a: x,
      aT: true,
      b: dy,
      m: inputs,
      n: outputs,
      k: rows,
      aux: layer.w,
      aux2: layer.wm,
      aux3: layer.wv,
      out1: layer.wOut,
      out2: layer.wmOut,
      out3: layer.wvOut,
      adam,
      colsum: at.colsum,
      bias3: {
        w: layer.b,
        m: layer.bm,
        v: layer.bv,
        wOut: layer.bOut,
        mOut: layer.bmOut,
        vOut: layer.bvOut,
      },
      partials: at.partials,
    });
    return this.sum(at.partials, chunks);
  }

  /**
   * A dense layer forwards: out = act(x W + b), x [rows x in]. With `ahead`, the product is only
   * started on the helper threads for phase `ahead` (TaskIssuer.prefetch), whose forward() with
   * the same arguments takes it: `layer` as that phase will see it (and `token`, that phase's
   * TaskIssuer.enter token, for a product started for the next step).
   */
  protected forward(
    layer: Layer,
    x: number,
    out: number,
    rows: number,
    k: number,
    n: number,
    relu: boolean,
    ahead?: StepPhase,
    token = 0,
  ) {
    if (this.levers.fuseEndings) {
      const call = { a: x, b: layer.w, m: rows, n, k, c: out, bias: layer.b, relu };
      if (!ahead) this.tasks.gemm('store', call);
      else if (this.levers.productsAhead) this.tasks.prefetch(ahead, 'store', call, token);
      return;
    }
    if (ahead) return; // unfused: the next phase runs its products itself
    this.tasks.gemm('store', { a: x, b: layer.w, m: rows, n, k, c: out });
    this.tasks.ending({ mode: 'bias', c: out, rows, width: n, bias: layer.b, relu });
  }

  /** weightStep the unfused way: the gradient stored, then Adam as passes of their own. */
  protected unfusedWeightStep(
    layer: TrainedLayer,
    x: number,
    dy: number,
    rows: number,
    inputs: number,
    outputs: number,
    adam: AdamStep,
  ): number {
    const { at } = this.workspace;
    const g = at.gradient;
    this.tasks.gemm('store', {
      a: x,
      aT: true,
      b: dy,
      m: inputs,
      n: outputs,
      k: rows,
      c: g,
      colsum: at.colsum,
    });
    this.tasks.ending({
      mode: 'adam',
      c: g,
      rows: inputs,
      width: outputs,
      aux: layer.w,
      aux2: layer.wm,
      aux3: layer.wv,
      out1: layer.wOut,
      out2: layer.wmOut,
      out3: layer.wvOut,
      adam,
    });
    const a = adam;
    this.rt.kernels.adam(
      layer.b,
      layer.bm,
      layer.bv,
      at.colsum,
      layer.bOut,
      layer.bmOut,
      layer.bvOut,
      outputs,
      a.beta1,
      1 - a.beta1,
      a.beta2,
      1 - a.beta2,
      a.c1,
      a.c2,
      -a.learningRate,
      a.epsilon,
    );
    return 0; // no norms on this path: it exists to be timed
  }

  /** A trained layer as the next phase sees it: its new weights. */
  protected static moved(layer: TrainedLayer): Layer {
    return { w: layer.wOut, b: layer.bOut };
  }

  /**
   * D's logits on the first `rows` rows of the stack, [rows], into the workspace's dLogits
   * (returned as a float index), its hidden layer into hD.
   */
  protected dLogits(d: Net, stack: number, rows: number): number {
    const { pixels: P, hidden: H } = this.dims;
    const { at } = this.workspace;
    const [l1, l2] = d;
    this.forward(l1, stack, at.hD, rows, P, H, true);
    const bias = this.f32[l2.b >> 2]!;
    this.rt.kernels.rowdot(at.hD, H, l2.w, bias, at.dLogits, rows, this.rt.scratch);
    return at.dLogits >> 2;
  }

  /** Adam on a small output layer (in x 1) whose gradient is at g: weights, then the bias at g + in. */
  protected adamSmall(layer: TrainedLayer, g: number, inputs: number, a: AdamStep) {
    const k = this.rt.kernels;
    const args = [
      a.beta1,
      1 - a.beta1,
      a.beta2,
      1 - a.beta2,
      a.c1,
      a.c2,
      -a.learningRate,
      a.epsilon,
    ] as const;
    k.adam(layer.w, layer.wm, layer.wv, g, layer.wOut, layer.wmOut, layer.wvOut, inputs, ...args);
    k.adam(
      layer.b,
      layer.bm,
      layer.bv,
      g + inputs * 4,
      layer.bOut,
      layer.bmOut,
      layer.bvOut,
      1,
      ...args,
    );
  }
}
