/**
 * Turns a parsed run (../shared/parse.ts) back into a model that continues it: a fresh VaeGan
 * of the manifest's settings, every weight's name and shape checked against it, then the
 * weights, the three Adam states (beta powers derived from the iteration count) and the
 * model's counters. Runs in the worker and under Node (no DOM).
 */
import * as tf from '../../../model/tf';
import { type AdamSnapshot, adamStateAt, restoreAdam } from '../../../model/optimizer-state';
import { VaeGan } from '../../../model/vaegan';
import { networkNames, OPTIMIZER_NAMES, type OptimizerName, refuse } from '../shared/format';
import type { ParsedRun } from '../shared/parse';

/** The networks whose trainable weights an optimiser moves. */
function optimizerVars(model: VaeGan, name: OptimizerName): tf.LayersModel[] {
  if (name === 'vae') return [model.encoder, model.decoder];
  return [name === 'discriminator' ? model.discriminator : model.generator];
}

const shapeText = (shape: readonly (number | null)[]) => `[${shape.join(', ')}]`;

/**
 * Builds a model for the parsed run's settings and loads its weights and optimiser state.
 * Throws RunArchiveError (the new model disposed) when a weight's name or shape does not fit
 * a model of the manifest's architecture and sizes.
 */
export function restoreRun(run: ParsedRun): VaeGan {
  const { settings, manifest } = run;
  const model = new VaeGan(
    {
      architecture: settings.architecture,
      variant: settings.variant,
      latentDim: settings.latentDim,
      hiddenUnits: settings.hiddenUnits,
      hiddenLayers: settings.hiddenLayers,
      image: run.image,
      seed: settings.seed,
      ...(run.convFilters ? { convFilters: run.convFilters } : {}),
    },
    run.hyperparams,
  );
  const created: tf.Tensor[] = [];
  try {
    const sizes = `${settings.architecture}, latent size ${settings.latentDim}, ${settings.hiddenUnits} hidden units × ${settings.hiddenLayers}, ${settings.variant} variant`;
    // A network the file leaves out (a warm start's discriminator) keeps its seeded start.
    const present = networkNames(settings.variant).filter((name) => run.networks[name]);
    for (const name of present) {
      const block = run.networks[name]!;
      const net = model[name];
      const byName = new Map(block.specs.map((s) => [s.name, s]));
      for (const w of net.weights) {
        const spec = byName.get(w.originalName);
        if (!spec) {
          refuse(
            'model-mismatch',
            `${block.path} has no weight ${w.originalName}, which a ${manifest.architecture} ` +
              `model needs: the networks belong to another architecture than the manifest says.`,
          );
        }
        if (shapeText(spec!.shape) !== shapeText(w.shape)) {
          refuse(
            'model-mismatch',
            `The ${name} weight ${w.originalName} has shape ${shapeText(spec!.shape)}, but the ` +
              `manifest (${sizes}) needs ${shapeText(w.shape)}: the manifest belongs to another ` +
              'model (another latent size or architecture).',
          );
        }
      }
      if (block.specs.length !== net.weights.length) {
        refuse(
          'model-mismatch',
          `${block.path} has ${block.specs.length} weights; the manifest's model (${sizes}) has ${net.weights.length}.`,
        );
      }
    }
    // Optimiser shapes before any weight moves, so a mismatch leaves nothing half-loaded.
    const optStates: Partial<Record<OptimizerName, AdamSnapshot>> = {};
    for (const name of OPTIMIZER_NAMES) {
      const block = run.optimizers[name];
      if (!block) continue;
      const vars = optimizerVars(model, name).flatMap((m) => m.trainableWeights);
      const moments = block.specs.length / 2;
      const shapesOk =
        block.specs.length === 0 ||
        (moments === vars.length &&
          block.specs.every(
            (s, i) => shapeText(s.shape) === shapeText(vars[i % vars.length]!.shape),
          ));
      if (!shapesOk) {
        refuse(
          'model-mismatch',
          `The ${name} optimiser's state does not fit the manifest's model (${sizes}).`,
        );
      }
      const decoded = tf.io.decodeWeights(block.data, block.specs);
      const tensors = block.specs.map((s) => decoded[s.name]!);
      created.push(...tensors);
      optStates[name] = adamStateAt(
        model.optimizers[name],
        block.iterations,
        tensors.slice(0, moments),
        tensors.slice(moments),
      );
      created.push(optStates[name].accBeta1, optStates[name].accBeta2);
    }
    for (const name of present) {
      const block = run.networks[name]!;
      const decoded = tf.io.decodeWeights(block.data, block.specs);
      const net = model[name];
      created.push(...Object.values(decoded));
      net.setWeights(net.weights.map((w) => decoded[w.originalName]!));
    }
    for (const name of OPTIMIZER_NAMES) {
      const state = optStates[name];
      if (!state) continue;
      const names = optimizerVars(model, name).flatMap((m) =>
        m.trainableWeights.map((w) => w.originalName),
      );
      restoreAdam(model.optimizers[name], state, names);
    }
    model.resumeAt(
      manifest.step,
      Number.isSafeInteger(manifest.noiseDraws) && manifest.noiseDraws > 0
        ? manifest.noiseDraws
        : 0,
    );
    return model;
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    tf.dispose(created);
  }
}
