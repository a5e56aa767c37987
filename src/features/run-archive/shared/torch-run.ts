/**
 * A run as one `.safetensors` file in PyTorch's names and layouts (torch-layout.ts), for
 * python/vaegan.py: the file's contents, its types and the writer. torch-import.ts reads such
 * a file back into the app's own layout.
 *
 *   <network>.<module>.<param>               every network's weights (and the conv decoder's
 *                                            batch-norm running statistics), float32 or float16
 *   adam.<phase>.exp_avg.<param name>        Adam's first and second moments of each phase
 *   adam.<phase>.exp_avg_sq.<param name>     (vae, discriminator, generator), when included
 *   pictures.noise                           the fixed prior noise of the app's sample grid
 *   __metadata__  format, format_version, config (the networks' structure), run (the run
 *                 manifest: data set, seed, step, hyperparameters, budget…), optimizers (Adam's
 *                 iteration counts), history (the curves), trained (how a shipped run was made),
 *                 omitted (a network left out: a shipped run's discriminator)
 *
 * No tfjs, no DOM: the worker converts, and the page could.
 */
import { version as appVersion } from '../../../../package.json';
import {
  historyColumns,
  networkNames,
  type NetworkName,
  OPTIMIZER_NAMES,
  type OptimizerName,
} from './format';
import type { ParsedRun, WeightBlock } from './parse';
import { float16Bytes, float32Bytes, type SafeTensor, writeSafetensors } from './safetensors';
import { type LayoutConfig, networkLayouts, type TensorLayout } from './torch-layout';

export const TORCH_FORMAT = 'vaegan-playground-torch';
export const TORCH_FORMAT_VERSION = 1;
/** The conv blocks' filters of every model the app builds. */
export const DEFAULT_FILTERS: [number, number] = [32, 64];

/** The networks' structure, as the metadata's `config` holds it. */
export interface TorchConfig {
  architecture: 'mlp' | 'conv';
  variant: 'shared' | 'separate';
  latentDim: number;
  hiddenUnits: number;
  hiddenLayers: number;
  /** [height, width, channels]. */
  imageShape: [number, number, number];
  convFilters: [number, number];
}

/** How a shipped run was made (scripts/train-pretrained.ts): written for people and the page. */
export interface TrainedRecord {
  script: string;
  steps: number;
  epochs: number;
  trainingSeconds: number;
  machine: string;
  date: string;
  /** Figures measured on the trained model, e.g. test ELBO, NLL, FCD, with what they used. */
  figures: Record<string, number | string>;
  /** Networks left out of the file to keep it small; they start afresh from the seed. */
  omitted?: NetworkName[];
}

export interface TorchExportOptions {
  /** F16 halves the file (the shipped warm-start runs); F32 keeps every bit. */
  precision: 'F32' | 'F16';
  /** Adam's moments (three times the weights again); without them training restarts Adam. */
  optimizers: boolean;
  history: boolean;
  /** The app's fixed prior noise of the sample grid, [64 * latentDim]. */
  sampleNoise?: Float32Array;
  trained?: TrainedRecord;
  /** The conv blocks' filters when not the app's 32 and 64 (narrow test models). */
  convFilters?: [number, number];
  /**
   * Leave the discriminator out (a shipped warm start: a third less to fetch). Whoever loads
   * the file builds it afresh from the run's seed; no optimiser state may come with it.
   */
  omitDiscriminator?: boolean;
}

/** The layouts' view of a file's config. */
export const layoutConfigOf = (c: TorchConfig): LayoutConfig => ({
  architecture: c.architecture,
  latentDim: c.latentDim,
  hiddenUnits: c.hiddenUnits,
  hiddenLayers: c.hiddenLayers,
  image: { height: c.imageShape[0], width: c.imageShape[1], channels: c.imageShape[2] as 1 | 3 },
  convFilters: c.convFilters,
});

const isMoving = (l: TensorLayout) => /\/moving_(mean|variance)$/.test(l.tf);

/** The parameters each phase's optimiser moves, in its order (the app's var lists). */
export function optimizerLayouts(
  name: OptimizerName,
  layouts: Record<NetworkName, TensorLayout[]>,
  variant: 'shared' | 'separate',
): TensorLayout[] {
  const trainable = (n: NetworkName) => layouts[n].filter((l) => !isMoving(l));
  if (name === 'vae') return [...trainable('encoder'), ...trainable('decoder')];
  if (name === 'discriminator') return trainable('discriminator');
  return trainable(variant === 'shared' ? 'decoder' : 'generator');
}

/** Float32 values of each weight of a block, by name (the block's specs are float32). */
function valuesByName(block: WeightBlock): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  let offset = 0;
  for (const spec of block.specs) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    out.set(spec.name, new Float32Array(block.data, offset, n));
    offset += n * 4;
  }
  return out;
}

/** The config of a parsed run, for the layout. */
function torchConfigOf(run: ParsedRun, filters = run.convFilters): TorchConfig {
  return {
    architecture: run.settings.architecture,
    variant: run.settings.variant,
    latentDim: run.settings.latentDim,
    hiddenUnits: run.settings.hiddenUnits,
    hiddenLayers: run.settings.hiddenLayers,
    imageShape: [run.image.height, run.image.width, run.image.channels],
    convFilters: filters ?? DEFAULT_FILTERS,
  };
}

/**
 * A parsed run (from a zip, or the trainer's export) as a safetensors file in PyTorch's layout.
 */
export function runToTorch(run: ParsedRun, options: TorchExportOptions): Uint8Array {
  const config = torchConfigOf(run, options.convFilters);
  const lc = layoutConfigOf(config);
  const nets = networkNames(config.variant);
  const layouts = Object.fromEntries(nets.map((n) => [n, networkLayouts(n, lc)])) as Record<
    NetworkName,
    TensorLayout[]
  >;
  const tensor = (values: Float32Array, shape: number[]): SafeTensor =>
    options.precision === 'F16'
      ? { dtype: 'F16', shape, data: float16Bytes(values) }
      : { dtype: 'F32', shape, data: float32Bytes(values) };
  const out: { name: string; tensor: SafeTensor }[] = [];
  if (options.omitDiscriminator && options.optimizers) {
    throw new Error('a run without its discriminator cannot carry optimiser state');
  }
  for (const n of nets) {
    if (n === 'discriminator' && options.omitDiscriminator) continue;
    const values = valuesByName(run.networks[n]!);
    for (const l of layouts[n]) {
      const v = values.get(l.tf);
      if (!v) throw new Error(`the ${n} network has no weight ${l.tf}`);
      out.push({ name: l.torch, tensor: tensor(l.toTorch(v), l.torchShape) });
    }
  }
  const iterations: Partial<Record<OptimizerName, number>> = {};
  if (options.optimizers) {
    for (const phase of OPTIMIZER_NAMES) {
      const block = run.optimizers[phase];
      const params = optimizerLayouts(phase, layouts, config.variant);
      if (!block || block.specs.length === 0) {
        // A phase that never stepped (D in a plain VAE trained phase 1 alone): zero moments
        // and a count of 0, as torch.optim.Adam starts, so every file has all three.
        for (const prefix of ['exp_avg', 'exp_avg_sq']) {
          for (const l of params) {
            const size = l.torchShape.reduce((a, b) => a * b, 1);
            out.push({
              name: `adam.${phase}.${prefix}.${l.torch}`,
              tensor: tensor(new Float32Array(size), l.torchShape),
            });
          }
        }
        iterations[phase] = 0;
        continue;
      }
      const values = valuesByName(block);
      for (const [moment, prefix] of [
        ['m', 'exp_avg'],
        ['v', 'exp_avg_sq'],
      ] as const) {
        params.forEach((l, i) => {
          const v = values.get(`${moment}/${i}`);
          if (!v) throw new Error(`the ${phase} optimiser has no ${moment}/${i}`);
          out.push({
            name: `adam.${phase}.${prefix}.${l.torch}`,
            tensor: tensor(l.toTorch(v), l.torchShape),
          });
        });
      }
      iterations[phase] = block.iterations;
    }
  }
  if (options.sampleNoise) {
    const rows = options.sampleNoise.length / config.latentDim;
    out.push({
      name: 'pictures.noise',
      tensor: {
        dtype: 'F32',
        shape: [rows, config.latentDim],
        data: float32Bytes(options.sampleNoise),
      },
    });
  }
  const { networks: _n, optimizers: _o, history: _h, ...manifest } = run.manifest;
  const metadata: Record<string, string> = {
    format: TORCH_FORMAT,
    format_version: String(TORCH_FORMAT_VERSION),
    config: JSON.stringify(config),
    run: JSON.stringify({
      ...manifest,
      hyperparams: run.hyperparams,
      ...(run.budget ? { budget: run.budget } : {}),
      ...(run.autoStop ? { autoStop: run.autoStop } : {}),
      exportedBy: `VAEGAN Playground ${appVersion}`,
    }),
  };
  if (options.optimizers) metadata.optimizers = JSON.stringify(iterations);
  if (options.omitDiscriminator) metadata.omitted = JSON.stringify(['discriminator']);
  if (options.history) metadata.history = JSON.stringify(historyColumns(run.history));
  if (options.trained) metadata.trained = JSON.stringify(options.trained);
  return writeSafetensors(out, metadata);
}
