/**
 * Network builders: plain functions of a ModelConfig, returning tfjs Layers models so that a
 * trained network can be saved in the standard Layers format and loaded by tf.loadLayersModel.
 * Decoder, generator and discriminator output logits; the sigmoid is applied by the caller.
 */
import * as tf from './tf';
import { hiddenLayersOf, imageSize, type ModelConfig } from '../shared/config';
import { buildConvDecoder, buildConvDiscriminator, buildConvEncoder } from './conv-networks';

/** Seeded Glorot initialiser: the same config.seed gives the same initial weights. */
function glorot(seed: number) {
  return tf.initializers.glorotUniform({ seed });
}

/** Distinct, stable seeds per layer, so no two layers start from the same draw. */
function layerSeed(config: ModelConfig, network: number, layer: number): number {
  return (config.seed * 1009 + network * 101 + layer * 7) >>> 0;
}

const NET = { encoder: 1, decoder: 2, generator: 3, discriminator: 4 } as const;

/** Encoder q_phi(z|x): x [batch, width * height * channels] -> [batch, 2 * latentDim] = concat(mu, logvar). */
export function buildEncoder(config: ModelConfig): tf.LayersModel {
  if (config.architecture === 'conv') {
    return buildConvEncoder(config, (l) => glorot(layerSeed(config, NET.encoder, l)));
  }
  const { latentDim } = config;
  const imagePixels = imageSize(config.image);
  return tf.sequential({
    name: 'encoder',
    layers: [
      ...hiddenStack(config, 'encoder', imagePixels, NET.encoder), // [batch, hiddenUnits]
      tf.layers.dense({
        name: 'encoder_mu_logvar',
        units: 2 * latentDim,
        kernelInitializer: glorot(layerSeed(config, NET.encoder, 1)),
      }), // [batch, 2 * latentDim]
    ],
  });
}

/**
 * The hidden ReLU layers of an MLP network: `hiddenLayers` (1 by default, the seed's) of
 * `hiddenUnits` each. The first keeps the seed's layer name and seed, so one-layer models are
 * unchanged; a second is `<role>_hidden2`, seeded after every layer the network had before.
 */
function hiddenStack(
  config: ModelConfig,
  role: string,
  inputs: number,
  net: number,
): tf.layers.Layer[] {
  const layers: tf.layers.Layer[] = [];
  for (let i = 0; i < hiddenLayersOf(config); i++) {
    layers.push(
      tf.layers.dense({
        name: i === 0 ? `${role}_hidden` : `${role}_hidden${i + 1}`,
        ...(i === 0 ? { inputShape: [inputs] } : {}),
        units: config.hiddenUnits,
        activation: 'relu',
        kernelInitializer: glorot(layerSeed(config, net, i === 0 ? 0 : i + 1)),
      }),
    );
  }
  return layers;
}

/**
 * Decoder p_theta(x|z), also the generator in the `shared` variant, and the separate generator:
 * z [batch, latentDim] -> logits [batch, pixels].
 */
export function buildDecoder(config: ModelConfig, role: 'decoder' | 'generator'): tf.LayersModel {
  const { latentDim } = config;
  const imagePixels = imageSize(config.image);
  const net = NET[role];
  if (config.architecture === 'conv') {
    return buildConvDecoder(config, role, (l) => glorot(layerSeed(config, net, l)));
  }
  return tf.sequential({
    name: role,
    layers: [
      ...hiddenStack(config, role, latentDim, net), // [batch, hiddenUnits]
      tf.layers.dense({
        name: `${role}_logits`,
        units: imagePixels,
        kernelInitializer: glorot(layerSeed(config, net, 1)),
      }), // [batch, pixels]
    ],
  });
}

/**
 * Discriminator D_psi: x [batch, width * height * channels] -> [Dis_l features [batch, hiddenUnits], logit [batch, 1]].
 * Dis_l is exposed for Larsen's learned-similarity reconstruction loss.
 */
export function buildDiscriminator(config: ModelConfig): tf.LayersModel {
  if (config.architecture === 'conv') {
    return buildConvDiscriminator(config, (l) => glorot(layerSeed(config, NET.discriminator, l)));
  }
  const { hiddenUnits } = config;
  const imagePixels = imageSize(config.image);
  const input = tf.input({ shape: [imagePixels], name: 'discriminator_input' });
  const features = tf.layers
    .dense({
      name: 'discriminator_hidden',
      units: hiddenUnits,
      activation: 'relu',
      kernelInitializer: glorot(layerSeed(config, NET.discriminator, 0)),
    })
    .apply(input) as tf.SymbolicTensor;
  const logit = tf.layers
    .dense({
      name: 'discriminator_logit',
      units: 1,
      kernelInitializer: glorot(layerSeed(config, NET.discriminator, 1)),
    })
    .apply(features) as tf.SymbolicTensor;
  return tf.model({ name: 'discriminator', inputs: input, outputs: [features, logit] });
}

/** The tf.Variables behind a Layers model's trainable weights, for an optimiser's var list. */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}
