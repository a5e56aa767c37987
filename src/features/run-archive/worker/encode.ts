/**
 * Writes a run as a zip (the layout in ../shared/format.ts): a snapshot of the model copied in
 * one synchronous pass, then encoded while training may go on.
 *
 * The app trains on logits and applies the sigmoid itself; the exported decoder and generator
 * carry the sigmoid in their last layer so that `tf.loadLayersModel(...).predict(z)` gives
 * images. Reading back ignores the activation in the file: the app rebuilds its own networks
 * from the manifest and only takes the weights (restore.ts).
 *
 * Runs in the worker and under Node (no DOM).
 */
import * as tf from '../../../model/tf';
import { strToU8, zipSync, type Zippable } from 'fflate';
import { version as appVersion } from '../../../../package.json';
import type { Hyperparams, ImageShape } from '../../../shared/config';
import type { TrainingBudget } from '../../../shared/settings';
import type { AutoStopState } from '../../training/shared/budget';
import {
  type AdamSnapshot,
  disposeAdamSnapshot,
  snapshotAdam,
} from '../../../model/optimizer-state';
import { METRIC_NAMES, type MetricName } from '../../../shared/metrics';
import type { VaeGan } from '../../../model/vaegan';
import type { MetricsPoint, RunSettings } from '../../training/shared/protocol';
import {
  networkNames,
  type NetworkName,
  networkOutput,
  OPTIMIZER_NAMES,
  type OptimizerEntry,
  type OptimizerName,
  RUN_FORMAT,
  RUN_FORMAT_VERSION,
  finiteOrNull,
  historyColumns,
  type RunManifest,
  type UserDatasetRef,
} from '../shared/format';

/** The state of a run copied out synchronously; tensors are clones owned by the snapshot. */
export interface RunSnapshot {
  settings: RunSettings;
  image: ImageShape;
  userDataset?: UserDatasetRef;
  hyperparams: Hyperparams;
  /** The training budget in force and auto-stop's state, when the run has them. */
  budget?: TrainingBudget;
  autoStop?: AutoStopState;
  step: number;
  trainingMs: number;
  noiseDraws: number;
  history: MetricsPoint[];
  networks: {
    name: NetworkName;
    topology: object;
    weights: { name: string; tensor: tf.Tensor }[];
  }[];
  optimizers: Record<OptimizerName, AdamSnapshot>;
}

/** Layers-format topology of a network; decoder and generator get a sigmoid output layer. */
function exportTopology(model: tf.LayersModel, name: NetworkName): object {
  const topology = model.toJSON(null, false) as {
    config: { layers: { config: { activation?: string } }[] };
  };
  if (name === 'decoder' || name === 'generator') {
    const layers = topology.config.layers;
    const last = layers[layers.length - 1];
    if (last) last.config.activation = 'sigmoid';
  }
  return topology;
}

/**
 * Copies the weights and optimiser state of a model in one synchronous pass, so a training
 * step running between two awaits of the export cannot tear the snapshot.
 */
export function snapshotRun(
  model: VaeGan,
  meta: Omit<RunSnapshot, 'networks' | 'optimizers' | 'noiseDraws'>,
): RunSnapshot {
  const networks = networkNames(model.config.variant).map((name) => {
    const net = model[name];
    return {
      name,
      topology: exportTopology(net, name),
      weights: net.weights.map((w) => ({ name: w.originalName, tensor: tf.clone(w.read()) })),
    };
  });
  const opts = model.optimizers;
  return {
    ...meta,
    history: meta.history.slice(),
    noiseDraws: model.noiseDraws,
    networks,
    optimizers: {
      vae: snapshotAdam(opts.vae),
      discriminator: snapshotAdam(opts.discriminator),
      generator: snapshotAdam(opts.generator),
    },
  };
}

export function disposeSnapshot(s: RunSnapshot) {
  for (const n of s.networks) tf.dispose(n.weights.map((w) => w.tensor));
  for (const name of OPTIMIZER_NAMES) disposeAdamSnapshot(s.optimizers[name]);
}

const README = `VAEGAN Playground run export
=============================

Each network is in the TensorFlow.js Layers format (model.json + weights.bin); manifest.json
says what the run was (data set, sizes, seed, step, hyperparameters) and what each network maps.

Generate images with plain TensorFlow.js (serve the unzipped folder over HTTP):

  const decoder = await tf.loadLayersModel('http://localhost:8080/decoder/model.json');
  const z = tf.randomNormal([16, latentDim]);            // latentDim: see manifest.json
  const images = decoder.predict(z).reshape([16, 28, 28, 1]); // values in [0, 1]
  // (for a set of your own, reshape to [16, ...imageShape] from manifest.json, e.g. 32, 32, 3)

The decoder and generator end in a sigmoid, so they output pixel probabilities.
Import this zip back into VAEGAN Playground to continue training (optimizer state and curves
are included).
`;

/** Encodes a snapshot as a zip (weights stored uncompressed: float noise barely deflates). */
export async function encodeRun(
  s: RunSnapshot,
): Promise<{ bytes: Uint8Array; manifest: RunManifest }> {
  const files: Zippable = {};
  const networks: RunManifest['networks'] = [];
  for (const net of s.networks) {
    const { data, specs } = await tf.io.encodeWeights(net.weights);
    const modelJson = {
      format: 'layers-model',
      generatedBy: `TensorFlow.js tfjs-layers v${tf.version['tfjs-layers']}`,
      convertedBy: `VAEGAN Playground ${appVersion}`,
      modelTopology: net.topology,
      weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
    };
    files[`${net.name}/model.json`] = strToU8(JSON.stringify(modelJson));
    files[`${net.name}/weights.bin`] = [new Uint8Array(data), { level: 0 }];
    networks.push({
      name: net.name,
      path: `${net.name}/model.json`,
      output: networkOutput(net.name, s.image),
    });
  }
  const optimizers = {} as Record<OptimizerName, OptimizerEntry>;
  for (const name of OPTIMIZER_NAMES) {
    const state = s.optimizers[name];
    const named = [
      ...state.m.map((tensor, i) => ({ name: `m/${i}`, tensor })),
      ...state.v.map((tensor, i) => ({ name: `v/${i}`, tensor })),
    ];
    const { data, specs } = await tf.io.encodeWeights(named);
    const path = `optimizers/${name}.bin`;
    files[path] = [new Uint8Array(data), { level: 0 }];
    optimizers[name] = {
      path,
      iterations: state.iterations,
      accBeta1: (await state.accBeta1.data())[0]!,
      accBeta2: (await state.accBeta2.data())[0]!,
      weightSpecs: specs,
    };
  }
  const last = s.history[s.history.length - 1];
  const manifest: RunManifest = {
    format: RUN_FORMAT,
    formatVersion: RUN_FORMAT_VERSION,
    appVersion,
    createdAt: new Date().toISOString(),
    dataset: s.settings.dataset,
    architecture: s.settings.architecture,
    variant: s.settings.variant,
    latentDim: s.settings.latentDim,
    hiddenUnits: s.settings.hiddenUnits,
    hiddenLayers: s.settings.hiddenLayers,
    imageShape: [s.image.height, s.image.width, s.image.channels],
    ...(s.userDataset ? { userDataset: { ...s.userDataset } } : {}),
    batchSize: s.settings.batchSize,
    seed: s.settings.seed,
    step: s.step,
    trainingMs: Math.round(s.trainingMs),
    noiseDraws: s.noiseDraws,
    hyperparams: { ...s.hyperparams },
    ...(s.budget ? { budget: { ...s.budget } } : {}),
    ...(s.autoStop ? { autoStop: structuredClone(s.autoStop) } : {}),
    metrics: {
      points: s.history.length,
      last: last
        ? (Object.fromEntries(METRIC_NAMES.map((k) => [k, finiteOrNull(last.values[k])])) as Record<
            MetricName,
            number | null
          >)
        : null,
    },
    networks,
    optimizers,
    history: 'history.json',
  };
  files['manifest.json'] = strToU8(JSON.stringify(manifest, null, 2));
  files['history.json'] = strToU8(JSON.stringify(historyColumns(s.history)));
  files['README.txt'] = strToU8(README);
  return { bytes: zipSync(files, { level: 6 }), manifest };
}
