/**
 * The compiled step's kernels (src/model/compiled-step.ts names them) for the tfjs wasm backend:
 * each maps the tensors it is given to their places in the backend's memory, makes its outputs
 * there, and runs the phase of ../step/dense-step.ts on the app's kernels, on every thread of
 * the matrix product's pool. The step's own buffers (one workspace, for the model and batch
 * size last seen) come from the backend's heap and are kept between steps.
 */
import * as tf from '../../../model/tf';
import {
  COMPILED_KERNELS,
  type CompiledAdamAttrs,
  type DKernelAttrs,
  type GKernelAttrs,
  inputName,
  LAYER_PARTS,
  type NetKey,
  type VaeKernelAttrs,
} from '../../../model/compiled-step';
import { DenseStep, type GradSq, type Layer, type TrainedLayer } from '../step/dense-step';
import type { AdamStep } from '../step/tasks';
import { type StepDims, Workspace } from '../step/workspace';
import { type KernelContext, kernelContext, type WasmBackend } from './kernel-context';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Inputs = Record<string, tf.TensorInfo>;

interface Session {
  step: DenseStep;
  scratch: number;
}
const sessions = new WeakMap<KernelContext, Session>();
/** Phases run by the compiled kernels so far (for the benchmarks' notes and the tests). */
let phasesRun = 0;

/** Compiled phases run so far in this process. */
export function compiledPhasesRun(): number {
  return phasesRun;
}

/** The step for these sizes on this backend, its workspace made (or remade) as needed. */
function session(context: KernelContext, dims: StepDims): Session {
  let s = sessions.get(context);
  if (s && s.step.workspace.fits(dims)) return s;
  if (s) {
    // A product a phase started ahead may still be writing into the old workspace.
    context.pool?.settle(s.scratch);
    context.release(s.step.workspace.block);
  }
  const scratch = s?.scratch ?? context.allocate(64);
  const workspace = new Workspace(dims, (bytes) => context.allocate(bytes));
  s = {
    step: new DenseStep(
      {
        kernels: context.kernels,
        memory: context.memory,
        get pool() {
          return context.pool;
        },
        scratch,
      },
      workspace,
    ),
    scratch,
  };
  sessions.set(context, s);
  return s;
}

function contextOf(args: KernelArgs): { backend: WasmBackend; context: KernelContext } {
  const backend = args.backend as WasmBackend;
  const context = kernelContext(backend);
  if (!context) throw new Error('compiled step: the wasm backend’s memory is out of reach');
  return { backend, context };
}

/** The sizes of the model from the encoder's first layer and the batch from x. */
function dimsOf(inputs: Inputs): StepDims {
  const [pixels, hidden] = inputs[inputName('e', 1, 'w')]!.shape as [number, number];
  const latent = inputs[inputName('d', 1, 'w')]!.shape[0]!;
  return { pixels, hidden, latent, batch: inputs.x!.shape[0]! };
}

function adamStep(a: CompiledAdamAttrs): AdamStep | null {
  if (!a.train) return null;
  return {
    beta1: a.beta1,
    beta2: a.beta2,
    c1: a.c1,
    c2: a.c2,
    learningRate: a.learningRate,
    epsilon: a.epsilon,
  };
}

/**
 * The layers of network `net` as addresses; when it trains, the new weights and moments are
 * given places: the input's own buffer where nothing else holds it (`changed` gets 0), else a
 * new output appended to `outs` (`changed` gets 1); in LAYER_PARTS order per layer.
 */
function layersOf(
  backend: WasmBackend,
  context: KernelContext,
  inputs: Inputs,
  net: NetKey,
  train: boolean,
  outs: tf.TensorInfo[],
  changed: number[] = [],
): [Layer | TrainedLayer, Layer | TrainedLayer] {
  const at = (name: string) => context.offset(inputs[name]!);
  const layer = (l: 1 | 2): Layer | TrainedLayer => {
    const w = inputs[inputName(net, l, 'w')]!;
    const b = inputs[inputName(net, l, 'b')]!;
    const base = { w: at(inputName(net, l, 'w')), b: at(inputName(net, l, 'b')) };
    if (!train) return base;
    const places = LAYER_PARTS.map((part) => {
      const input = inputs[inputName(net, l, part)]!;
      // A buffer nothing else holds (no clone of the guard, no export under way) is updated in
      // place: half the memory traffic of Adam, nothing to allocate, no tensor to make. One a
      // clone shares gets a new buffer, so the clone keeps the old values.
      if (backend.refCount(input.dataId) === 1) {
        changed.push(0);
        return context.offset(input);
      }
      const made = backend.makeOutput((part.startsWith('w') ? w : b).shape, 'float32');
      changed.push(1);
      outs.push(made);
      return context.offset(made);
    });
    const [wOut, bOut, wmOut, wvOut, bmOut, bvOut] = places;
    return {
      ...base,
      wm: at(inputName(net, l, 'wm')),
      wv: at(inputName(net, l, 'wv')),
      bm: at(inputName(net, l, 'bm')),
      bv: at(inputName(net, l, 'bv')),
      wOut: wOut!,
      bOut: bOut!,
      wmOut: wmOut!,
      wvOut: wvOut!,
      bmOut: bmOut!,
      bvOut: bvOut!,
    };
  };
  return [layer(1), layer(2)];
}

/** Scalar outputs holding `values`. */
function scalars(backend: WasmBackend, context: KernelContext, values: number[]): tf.TensorInfo[] {
  const outs = values.map(() => backend.makeOutput([], 'float32'));
  const heap = context.floats();
  outs.forEach((t, i) => (heap[context.offset(t) / 4] = values[i]!));
  return outs;
}

/** An int32 output holding `values` (which trained parts got a new buffer). */
function flags(backend: WasmBackend, context: KernelContext, values: number[]): tf.TensorInfo {
  const out = backend.makeOutput([values.length], 'int32');
  new Int32Array(context.memory.buffer, context.offset(out), values.length).set(values);
  return out;
}

function gradNorms(order: (keyof GradSq)[], g: GradSq): number[] {
  return order.map((name) => g[name] ?? 0);
}

function vaePhase(args: KernelArgs): tf.TensorInfo[] {
  const { backend, context } = contextOf(args);
  const inputs = args.inputs as Inputs;
  const attrs = args.attrs as unknown as VaeKernelAttrs;
  const outs: tf.TensorInfo[] = [];
  const changed: number[] = [];
  const encoder = layersOf(backend, context, inputs, 'e', attrs.train, outs, changed);
  const decoder = layersOf(backend, context, inputs, 'd', attrs.train, outs, changed);
  const { step } = session(context, dimsOf(inputs));
  const r = step.vae({
    x: context.offset(inputs.x!),
    eps: context.offset(inputs.eps!),
    encoder,
    decoder,
    adam: adamStep(attrs),
    beta: attrs.beta,
    freeBits: attrs.freeBits,
    token: attrs.token,
  });
  phasesRun += 1;
  const metrics = [r.reconstruction, r.kl];
  if (attrs.gradNorms) metrics.push(...gradNorms(['encoder', 'decoder'], r.gradSq));
  return [flags(backend, context, changed), ...outs, ...scalars(backend, context, metrics)];
}

function fakes(args: KernelArgs): tf.TensorInfo[] {
  const { backend, context } = contextOf(args);
  const inputs = args.inputs as Inputs;
  const dims = dimsOf(inputs);
  const { pixels: P, hidden: H, latent: L, batch: B } = dims;
  const none: tf.TensorInfo[] = [];
  const separate = inputs[inputName('g', 1, 'w')] !== undefined;
  const encoder = layersOf(backend, context, inputs, 'e', false, none);
  const decoder = layersOf(backend, context, inputs, 'd', false, none);
  const generator = separate ? layersOf(backend, context, inputs, 'g', false, none) : decoder;
  const withD = inputs[inputName('D', 1, 'w')] !== undefined;
  const discriminator = withD ? layersOf(backend, context, inputs, 'D', false, none) : undefined;
  const shapes: [number, number][] = [
    [B, L],
    [B, P],
    [B, P],
    [3 * B, P],
    [2 * B, H],
    [2 * B, L],
  ];
  const outs = shapes.map((shape) => backend.makeOutput(shape, 'float32'));
  const [zTilde, xTilde, xPrior, stack, hidden, latents] = outs.map((t) => context.offset(t));
  const { step } = session(context, dims);
  step.fakes({
    x: context.offset(inputs.x!),
    eps: context.offset(inputs.eps!),
    zPrior: context.offset(inputs.zPrior!),
    encoder,
    decoder,
    generator,
    discriminator,
    out: {
      zTilde: zTilde!,
      xTilde: xTilde!,
      xPrior: xPrior!,
      stack: stack!,
      hidden: hidden!,
      latents: latents!,
    },
  });
  phasesRun += 1;
  return outs;
}

/** The sizes from the stack [3 batch x pixels], D's first layer and the hidden layer [2 batch x hidden]. */
function ganDims(inputs: Inputs, latent: number): StepDims {
  const [rows, pixels] = inputs.stack!.shape as [number, number];
  const hidden = inputs[inputName('D', 1, 'w')]!.shape[1]!;
  return { pixels, hidden, latent, batch: rows / 3 };
}

function dPhase(args: KernelArgs): tf.TensorInfo[] {
  const { backend, context } = contextOf(args);
  const inputs = args.inputs as Inputs;
  const attrs = args.attrs as unknown as DKernelAttrs;
  const outs: tf.TensorInfo[] = [];
  const changed: number[] = [];
  const discriminator = layersOf(backend, context, inputs, 'D', attrs.train, outs, changed);
  const { step } = session(context, ganDims(inputs, attrs.latent));
  const r = step.discriminator({
    stack: context.offset(inputs.stack!),
    discriminator,
    adam: adamStep(attrs),
    threeBatches: attrs.threeBatches,
  });
  phasesRun += 1;
  const metrics = [r.discriminator, r.dReal, r.dRecon, r.dPrior];
  if (attrs.gradNorms) metrics.push(...gradNorms(['discriminator'], r.gradSq));
  return [flags(backend, context, changed), ...outs, ...scalars(backend, context, metrics)];
}

function gPhase(args: KernelArgs): tf.TensorInfo[] {
  const { backend, context } = contextOf(args);
  const inputs = args.inputs as Inputs;
  const attrs = args.attrs as unknown as GKernelAttrs;
  const outs: tf.TensorInfo[] = [];
  const changed: number[] = [];
  const discriminator = layersOf(backend, context, inputs, 'D', false, outs) as [Layer, Layer];
  const generator = layersOf(backend, context, inputs, 'g', attrs.train, outs, changed);
  const latent = inputs.latents!.shape[1]!;
  const dims = ganDims(inputs, latent);
  const { step } = session(context, dims);
  // The next step's batch, when it came with the encoder and fits this workspace.
  const xNext = inputs.xNext;
  const next =
    xNext && attrs.nextToken > 0 && xNext.shape[0] === dims.batch && xNext.shape[1] === dims.pixels
      ? {
          x: context.offset(xNext),
          encoder: layersOf(backend, context, inputs, 'e', false, outs)[0],
          token: attrs.nextToken,
        }
      : undefined;
  const r = step.generator({
    stack: context.offset(inputs.stack!),
    hidden: context.offset(inputs.hidden!),
    latents: context.offset(inputs.latents!),
    discriminator,
    generator,
    adam: adamStep(attrs),
    threeBatches: attrs.threeBatches,
    form: attrs.form,
    separate: attrs.separate,
    ...(next ? { next } : {}),
  });
  phasesRun += 1;
  const metrics = [r.generator];
  if (attrs.gradNorms) metrics.push(...gradNorms(['generator'], r.gradSq));
  return [flags(backend, context, changed), ...outs, ...scalars(backend, context, metrics)];
}

const KERNELS: [string, (args: KernelArgs) => tf.TensorInfo[]][] = [
  [COMPILED_KERNELS.vae, vaePhase],
  [COMPILED_KERNELS.fakes, fakes],
  [COMPILED_KERNELS.discriminator, dPhase],
  [COMPILED_KERNELS.generator, gPhase],
];

/** Whether the compiled step's kernels are registered for wasm. */
export function wasmCompiledStepInstalled(): boolean {
  return tf.getKernel(COMPILED_KERNELS.vae, 'wasm') !== undefined;
}

/**
 * Registers the compiled step for `backend` if it is a wasm backend whose memory the app's
 * kernels can reach (call after tf.setBackend('wasm')). Returns whether it is registered.
 */
export function installWasmCompiledStep(backend: tf.KernelBackend = tf.backend()): boolean {
  if (wasmCompiledStepInstalled()) return true;
  if (!kernelContext(backend)) return false;
  for (const [kernelName, fn] of KERNELS) {
    tf.registerKernel({
      kernelName,
      backendName: 'wasm',
      kernelFunc: fn as unknown as tf.KernelFunc,
    });
  }
  return true;
}

/** Takes the compiled step away again (its phases then run on tfjs's autograd). */
export function uninstallWasmCompiledStep(): void {
  for (const [kernelName] of KERNELS) {
    if (tf.getKernel(kernelName, 'wasm')) tf.unregisterKernel(kernelName, 'wasm');
  }
}
