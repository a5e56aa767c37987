/**
 * A decoder that is a plain stack of Dense layers (the seed MLP), evaluated in plain TypeScript
 * from its Layers artifacts: no tfjs, so the page can decode the pad's code in the pointer
 * event itself, with no message to a worker and no wait for a busy thread. One 16 -> 512 -> 784
 * pass is about 0.4 M multiply-adds, well under a millisecond.
 * Any other topology (e.g. a conv decoder) is refused with a reason, and the explorer worker
 * decodes it instead.
 */
import type { NetworkArtifacts } from '../../../model/serialize';

type Activation = 'linear' | 'relu' | 'sigmoid' | 'tanh';

interface DenseLayer {
  inputs: number;
  units: number;
  kernel: Float32Array; // [inputs, units] row-major
  bias: Float32Array | null; // [units]
  activation: Activation;
}

export interface DenseDecoder {
  latentDim: number;
  outputs: number;
  layers: DenseLayer[];
}

interface LayerJson {
  class_name?: string;
  config?: { units?: number; activation?: string; use_bias?: boolean; name?: string };
}

const ACTIVATIONS: readonly string[] = ['linear', 'relu', 'sigmoid', 'tanh'];

/**
 * Reads a Sequential stack of Dense layers from Layers artifacts (topology and weights, in the
 * order of the weight specs, as saveNetwork writes them).
 * @returns the decoder, or a reason why this topology is not a plain dense stack
 */
export function parseDenseDecoder(
  artifacts: NetworkArtifacts,
  /** Read the weights in place (views on `artifacts.weightData`) instead of copying them. */
  inPlace = false,
): { decoder: DenseDecoder } | { reason: string } {
  const topology = artifacts.modelTopology as {
    class_name?: string;
    config?: { layers?: LayerJson[] } | LayerJson[];
    model_config?: unknown;
  };
  const root = (topology.model_config ?? topology) as typeof topology;
  if (root.class_name !== 'Sequential') return { reason: `a ${root.class_name} model` };
  const layersJson = Array.isArray(root.config) ? root.config : root.config?.layers;
  if (!layersJson || layersJson.length === 0) return { reason: 'no layers' };
  const layers: DenseLayer[] = [];
  let offset = 0;
  let specIndex = 0;
  const specs = artifacts.weightSpecs;
  const data = artifacts.weightData;
  const take = (shape: number[]) => {
    const spec = specs[specIndex++];
    if (!spec || spec.dtype !== 'float32' || spec.shape.join() !== shape.join()) return null;
    const count = shape.reduce((a, b) => a * b, 1);
    if (offset + count * 4 > data.byteLength) return null;
    const values = inPlace
      ? new Float32Array(data, offset, count)
      : new Float32Array(data.slice(offset, offset + count * 4));
    offset += count * 4;
    return values;
  };
  let inputs = -1;
  for (const layer of layersJson) {
    if (layer.class_name !== 'Dense') return { reason: `a ${layer.class_name} layer` };
    const units = layer.config?.units;
    const activation = layer.config?.activation ?? 'linear';
    if (!units || !ACTIVATIONS.includes(activation)) return { reason: `activation ${activation}` };
    const kernelSpec = specs[specIndex];
    if (!kernelSpec || kernelSpec.shape.length !== 2) return { reason: 'unexpected weights' };
    const fanIn = kernelSpec.shape[0]!;
    if (inputs >= 0 && fanIn !== inputs) return { reason: 'layer sizes do not chain' };
    const kernel = take([fanIn, units]);
    if (!kernel) return { reason: 'unexpected kernel weights' };
    let bias: Float32Array | null = null;
    if (layer.config?.use_bias !== false) {
      bias = take([units]);
      if (!bias) return { reason: 'unexpected bias weights' };
    }
    layers.push({ inputs: fanIn, units, kernel, bias, activation: activation as Activation });
    inputs = units;
  }
  if (specIndex !== specs.length) return { reason: 'weights the layers do not use' };
  return {
    decoder: { latentDim: layers[0]!.inputs, outputs: layers.at(-1)!.units, layers },
  };
}

/**
 * Decodes one code: the stack's output (logits) through a sigmoid, i.e. the mean image in [0, 1]
 * as VaeGan.decode gives it.
 * @param z [latentDim]
 * @returns [outputs]
 */
export function denseDecode(decoder: DenseDecoder, z: ArrayLike<number>): Float32Array {
  if (z.length !== decoder.latentDim) {
    throw new Error(`A latent code must have ${decoder.latentDim} numbers`);
  }
  let x: ArrayLike<number> = z;
  for (const layer of decoder.layers) {
    const { inputs, units, kernel, bias, activation } = layer;
    const h = bias ? Float32Array.from(bias) : new Float32Array(units);
    // Row by row of the kernel: contiguous reads, and zero inputs (after ReLU) skipped.
    for (let i = 0; i < inputs; i++) {
      const xi = x[i]!;
      if (xi === 0) continue;
      const row = i * units;
      for (let j = 0; j < units; j++) h[j]! += xi * kernel[row + j]!;
    }
    if (activation === 'relu') for (let j = 0; j < units; j++) h[j] = Math.max(0, h[j]!);
    else if (activation === 'sigmoid') for (let j = 0; j < units; j++) h[j] = sigmoid(h[j]!);
    else if (activation === 'tanh') for (let j = 0; j < units; j++) h[j] = Math.tanh(h[j]!);
    x = h;
  }
  const out = new Float32Array(decoder.outputs);
  for (let j = 0; j < out.length; j++) out[j] = sigmoid(x[j]!);
  return out;
}

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/**
 * Intensities in [0, 1] -> RGBA bytes, as images.ts paints a cell (NaN as mid grey): grey levels
 * (one value a pixel) or RGB (three values a pixel, `channels` 3).
 */
export function toRgba(
  values: Float32Array,
  into?: Uint8ClampedArray,
  channels: 1 | 3 = 1,
): Uint8ClampedArray {
  const count = values.length / channels;
  const out = into ?? new Uint8ClampedArray(count * 4);
  const byte = (v: number) =>
    Number.isNaN(v) ? 128 : Math.round(Math.min(1, Math.max(0, v)) * 255);
  for (let i = 0; i < count; i++) {
    if (channels === 1) {
      const b = byte(values[i]!);
      out[4 * i] = b;
      out[4 * i + 1] = b;
      out[4 * i + 2] = b;
    } else {
      out[4 * i] = byte(values[3 * i]!);
      out[4 * i + 1] = byte(values[3 * i + 1]!);
      out[4 * i + 2] = byte(values[3 * i + 2]!);
    }
    out[4 * i + 3] = 255;
  }
  return out;
}
