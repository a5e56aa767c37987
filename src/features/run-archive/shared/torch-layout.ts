/**
 * Where each weight of the app's networks goes in PyTorch, and how its values are laid out
 * there: the state-dict names of the modules in python/vaegan.py and a pair of exact, inverse
 * rearrangements per tensor. No arithmetic changes a value, so a run converts to PyTorch and
 * back bit for bit.
 *
 * - Dense kernels are [in, out] in tfjs; a Linear weight is [out, in].
 * - Conv2D kernels are [kh, kw, in, out]; PyTorch's Conv2d weight is [out, in, kh, kw] (OIHW).
 * - Conv2DTranspose kernels are [kh, kw, out, in]; ConvTranspose2d's weight is [in, out, kh, kw].
 *   Both are `torch[a][b][y][x] = tf[y][x][b][a]`.
 * - tfjs flattens images and feature maps channels-last (HWC); the PyTorch model uses its
 *   natural channels-first order (CHW). The Dense weights next to a flatten or reshape are
 *   reordered to match (the MLPs' image side; the conv encoder's and discriminator's last
 *   layer; the conv decoder's projection and the batch norm over its outputs), so the Python
 *   model takes and returns images as [n, C, H, W]. For grey images (C = 1) the image side is
 *   already in that order.
 * No tfjs, no DOM.
 */
import type { ImageShape } from '../../../shared/config';
import type { NetworkName } from './format';

/** What a layout needs to know of a model. */
export interface LayoutConfig {
  architecture: 'mlp' | 'conv';
  latentDim: number;
  hiddenUnits: number;
  hiddenLayers: number;
  image: ImageShape;
  /** The conv blocks' filters: [32, 64] in the app. */
  convFilters: [number, number];
}

/** One tensor in both frameworks, with the exact rearrangements between them. */
export interface TensorLayout {
  /** tfjs weight name, e.g. "encoder_hidden/kernel". */
  tf: string;
  /** PyTorch state-dict name, e.g. "encoder.hidden.0.weight". */
  torch: string;
  tfShape: number[];
  torchShape: number[];
  toTorch(values: Float32Array): Float32Array;
  toTf(values: Float32Array): Float32Array;
}

const KERNEL = 5;

/** p[chw] = hwc: where each channels-first position is in channels-last order. */
export function chwFromHwc(height: number, width: number, channels: number): Uint32Array {
  const p = new Uint32Array(height * width * channels);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        p[(c * height + y) * width + x] = (y * width + x) * channels + c;
      }
    }
  }
  return p;
}

const identity = (v: Float32Array) => v.slice();

/** A vector whose entries are reordered: torch[i] = tf[perm[i]]. */
function vector(tf: string, torch: string, n: number, perm?: Uint32Array): TensorLayout {
  return {
    tf,
    torch,
    tfShape: [n],
    torchShape: [n],
    toTorch: perm ? (v) => Float32Array.from(perm, (j) => v[j]!) : identity,
    toTf: perm
      ? (v) => {
          const out = new Float32Array(n);
          perm.forEach((j, i) => (out[j] = v[i]!));
          return out;
        }
      : identity,
  };
}

/**
 * A Dense kernel [in, out] as a Linear weight [out, in]; `inPerm` / `outPerm` reorder the
 * inputs / outputs (torch position -> tfjs position).
 */
function dense(
  tf: string,
  torch: string,
  inputs: number,
  outputs: number,
  inPerm?: Uint32Array,
  outPerm?: Uint32Array,
): TensorLayout {
  const inAt = (i: number) => (inPerm ? inPerm[i]! : i);
  const outAt = (o: number) => (outPerm ? outPerm[o]! : o);
  return {
    tf,
    torch,
    tfShape: [inputs, outputs],
    torchShape: [outputs, inputs],
    toTorch: (v) => {
      const out = new Float32Array(inputs * outputs);
      for (let o = 0; o < outputs; o++) {
        const from = outAt(o);
        for (let i = 0; i < inputs; i++) out[o * inputs + i] = v[inAt(i) * outputs + from]!;
      }
      return out;
    },
    toTf: (v) => {
      const out = new Float32Array(inputs * outputs);
      for (let o = 0; o < outputs; o++) {
        const to = outAt(o);
        for (let i = 0; i < inputs; i++) out[inAt(i) * outputs + to] = v[o * inputs + i]!;
      }
      return out;
    },
  };
}

/** A conv kernel tfjs [kh, kw, b, a] as PyTorch [a, b, kh, kw]: torch[a][b][y][x] = tf[y][x][b][a]. */
function kernel4(tf: string, torch: string, a: number, b: number): TensorLayout {
  const k = KERNEL;
  const tfIndex = (ai: number, bi: number, y: number, x: number) => ((y * k + x) * b + bi) * a + ai;
  return {
    tf,
    torch,
    tfShape: [k, k, b, a],
    torchShape: [a, b, k, k],
    toTorch: (v) => {
      const out = new Float32Array(a * b * k * k);
      let n = 0;
      for (let ai = 0; ai < a; ai++)
        for (let bi = 0; bi < b; bi++)
          for (let y = 0; y < k; y++)
            for (let x = 0; x < k; x++) out[n++] = v[tfIndex(ai, bi, y, x)]!;
      return out;
    },
    toTf: (v) => {
      const out = new Float32Array(a * b * k * k);
      let n = 0;
      for (let ai = 0; ai < a; ai++)
        for (let bi = 0; bi < b; bi++)
          for (let y = 0; y < k; y++)
            for (let x = 0; x < k; x++) out[tfIndex(ai, bi, y, x)] = v[n++]!;
      return out;
    },
  };
}

/** tfjs's name of the i-th hidden Dense layer of an MLP network (0-based). */
const hiddenName = (role: string, i: number) =>
  i === 0 ? `${role}_hidden` : `${role}_hidden${i + 1}`;

function mlpLayouts(name: NetworkName, c: LayoutConfig): TensorLayout[] {
  const { height, width, channels } = c.image;
  const pixels = height * width * channels;
  const pixelPerm = channels === 1 ? undefined : chwFromHwc(height, width, channels);
  const h = c.hiddenUnits;
  const out: TensorLayout[] = [];
  const linear = (
    tfLayer: string,
    torchModule: string,
    inputs: number,
    outputs: number,
    inPerm?: Uint32Array,
    outPerm?: Uint32Array,
  ) => {
    out.push(
      dense(`${tfLayer}/kernel`, `${name}.${torchModule}.weight`, inputs, outputs, inPerm, outPerm),
    );
    out.push(vector(`${tfLayer}/bias`, `${name}.${torchModule}.bias`, outputs, outPerm));
  };
  if (name === 'discriminator') {
    linear('discriminator_hidden', 'hidden', pixels, h, pixelPerm);
    linear('discriminator_logit', 'logit', h, 1);
    return out;
  }
  const encoder = name === 'encoder';
  for (let i = 0; i < c.hiddenLayers; i++) {
    const inputs = i > 0 ? h : encoder ? pixels : c.latentDim;
    linear(
      hiddenName(name, i),
      `hidden.${i}`,
      inputs,
      h,
      i === 0 && encoder ? pixelPerm : undefined,
    );
  }
  if (encoder) linear('encoder_mu_logvar', 'mu_logvar', h, 2 * c.latentDim);
  else linear(`${name}_logits`, 'logits', h, pixels, undefined, pixelPerm);
  return out;
}

function convLayouts(name: NetworkName, c: LayoutConfig): TensorLayout[] {
  const { height, width, channels } = c.image;
  const [f1, f2] = c.convFilters;
  const features = (height / 4) * (width / 4) * f2;
  const featurePerm = chwFromHwc(height / 4, width / 4, f2);
  const out: TensorLayout[] = [];
  const conv = (layer: string, module: string, inputs: number, outputs: number) => {
    out.push(kernel4(`${layer}/kernel`, `${name}.${module}.weight`, outputs, inputs));
    out.push(vector(`${layer}/bias`, `${name}.${module}.bias`, outputs));
  };
  if (name === 'encoder' || name === 'discriminator') {
    conv(`${name}_conv1`, 'conv1', channels, f1);
    conv(`${name}_conv2`, 'conv2', f1, f2);
    const [layer, module, units] =
      name === 'encoder'
        ? ['encoder_mu_logvar', 'mu_logvar', 2 * c.latentDim]
        : ['discriminator_logit', 'logit', 1];
    out.push(dense(`${layer}/kernel`, `${name}.${module}.weight`, features, units, featurePerm));
    out.push(vector(`${layer}/bias`, `${name}.${module}.bias`, units));
    return out;
  }
  out.push(
    dense(
      `${name}_project/kernel`,
      `${name}.project.weight`,
      c.latentDim,
      features,
      undefined,
      featurePerm,
    ),
  );
  out.push(vector(`${name}_project/bias`, `${name}.project.bias`, features, featurePerm));
  const bn = (layer: string, module: string, n: number, perm?: Uint32Array) => {
    out.push(vector(`${layer}/gamma`, `${name}.${module}.weight`, n, perm));
    out.push(vector(`${layer}/beta`, `${name}.${module}.bias`, n, perm));
  };
  bn(`${name}_bn1`, 'bn1', features, featurePerm);
  // A transposed conv's kernel is [kh, kw, out, in]: kernel4(a = in, b = out).
  out.push(kernel4(`${name}_deconv1/kernel`, `${name}.deconv1.weight`, f2, f1));
  out.push(vector(`${name}_deconv1/bias`, `${name}.deconv1.bias`, f1));
  bn(`${name}_bn2`, 'bn2', f1);
  out.push(kernel4(`${name}_logits_image/kernel`, `${name}.logits.weight`, f1, channels));
  out.push(vector(`${name}_logits_image/bias`, `${name}.logits.bias`, channels));
  // The moving statistics come last in tfjs's weight list (they are not trainable).
  for (const [layer, module, n, perm] of [
    [`${name}_bn1`, 'bn1', features, featurePerm],
    [`${name}_bn2`, 'bn2', f1, undefined],
  ] as const) {
    out.push(vector(`${layer}/moving_mean`, `${name}.${module}.running_mean`, n, perm));
    out.push(vector(`${layer}/moving_variance`, `${name}.${module}.running_var`, n, perm));
  }
  return out;
}

/**
 * Every weight of one network, in tfjs's weight order (trainable ones first, in layer order,
 * then the batch norms' moving statistics), with its PyTorch name and layout.
 */
export function networkLayouts(name: NetworkName, config: LayoutConfig): TensorLayout[] {
  return config.architecture === 'conv' ? convLayouts(name, config) : mlpLayouts(name, config);
}
