/**
 * The `conv` architecture (docs/model.md, "The four networks"): DCGAN-style networks for images whose height
 * and width are multiples of 4 (28 x 28 x 1 by default). Same interfaces as the MLP builders in
 * networks.ts: images cross as flat rows [batch, height * width * channels] in HWC order, the
 * decoder and generator output logits, and the discriminator also returns its features Dis_l.
 *
 * encoder:       x -> conv5x5/s2 32 ReLU -> conv5x5/s2 64 ReLU -> FC -> (mu, logvar)
 * decoder / G:   z -> FC (H/4 x W/4 x 64) BN ReLU -> deconv5x5/s2 32 BN ReLU -> deconv5x5/s2 C
 * discriminator: x -> conv5x5/s2 32 LReLU -> conv5x5/s2 64 LReLU (= Dis_l) -> FC -> logit
 *
 * Batch normalisation sits in the decoder only, where DCGAN found it helps the generator learn;
 * D has none, so its verdict on one image does not depend on the rest of its batch (D sees real
 * images, reconstructions and samples as separate batches).
 */
import * as tf from './tf';
import { type ImageShape, imageSize, type ModelConfig } from '../shared/config';

const DEFAULT_FILTERS: [number, number] = [32, 64];
const KERNEL = 5;
/** Keras' default is 0.99; 0.9 lets the inference statistics follow a fast-moving decoder. */
const BN_MOMENTUM = 0.9;
const LEAK = 0.2;

type Init = (layer: number) => ReturnType<typeof tf.initializers.glorotUniform>;

export function imageShapeOf(config: ModelConfig): ImageShape {
  return config.image;
}

function filtersOf(config: ModelConfig): [number, number] {
  return config.convFilters ?? DEFAULT_FILTERS;
}

/** Two stride-2 convolutions of the image, [batch, H/4, W/4, 64], as symbolic layers. */
function convStack(
  input: tf.SymbolicTensor,
  prefix: string,
  shape: ImageShape,
  filterCounts: [number, number],
  init: Init,
  activation: () => tf.layers.Layer,
): tf.SymbolicTensor {
  let h = tf.layers
    .reshape({ name: `${prefix}_image`, targetShape: [shape.height, shape.width, shape.channels] })
    .apply(input) as tf.SymbolicTensor; // [batch, H, W, C]
  filterCounts.forEach((filters, i) => {
    h = tf.layers
      .conv2d({
        name: `${prefix}_conv${i + 1}`,
        filters,
        kernelSize: KERNEL,
        strides: 2,
        padding: 'same',
        kernelInitializer: init(i),
      })
      .apply(h) as tf.SymbolicTensor; // [batch, H/2, W/2, f1], then [batch, H/4, W/4, f2]
    h = activation().apply(h) as tf.SymbolicTensor;
  });
  return h;
}

/** Encoder q_phi(z|x): x [batch, pixels] -> [batch, 2 * latentDim] = concat(mu, logvar). */
export function buildConvEncoder(config: ModelConfig, init: Init): tf.LayersModel {
  const shape = imageShapeOf(config);
  const input = tf.input({ shape: [imageSize(config.image)], name: 'encoder_input' });
  let n = 0;
  const features = convStack(input, 'encoder', shape, filtersOf(config), init, () =>
    tf.layers.activation({ name: `encoder_relu${++n}`, activation: 'relu' }),
  );
  const flat = tf.layers.flatten({ name: 'encoder_flatten' }).apply(features);
  const out = tf.layers
    .dense({ name: 'encoder_mu_logvar', units: 2 * config.latentDim, kernelInitializer: init(2) })
    .apply(flat) as tf.SymbolicTensor;
  return tf.model({ name: 'encoder', inputs: input, outputs: out });
}

/** Decoder p_theta(x|z) or generator: z [batch, latentDim] -> logits [batch, pixels]. */
export function buildConvDecoder(
  config: ModelConfig,
  role: 'decoder' | 'generator',
  init: Init,
): tf.LayersModel {
  const shape = imageShapeOf(config);
  const [h4, w4] = [shape.height / 4, shape.width / 4];
  const FILTERS = filtersOf(config);
  const bn = (name: string) =>
    tf.layers.batchNormalization({ name: `${role}_${name}`, momentum: BN_MOMENTUM });
  const relu = (name: string) =>
    tf.layers.activation({ name: `${role}_${name}`, activation: 'relu' });
  const input = tf.input({ shape: [config.latentDim], name: `${role}_input` });
  const layers: tf.layers.Layer[] = [
    tf.layers.dense({
      name: `${role}_project`,
      units: h4 * w4 * FILTERS[1],
      kernelInitializer: init(0),
    }), // [batch, H/4 * W/4 * 64]
    bn('bn1'),
    relu('relu1'),
    tf.layers.reshape({ name: `${role}_grid`, targetShape: [h4, w4, FILTERS[1]] }),
    tf.layers.conv2dTranspose({
      name: `${role}_deconv1`,
      filters: FILTERS[0],
      kernelSize: KERNEL,
      strides: 2,
      padding: 'same',
      kernelInitializer: init(1),
    }), // [batch, H/2, W/2, 32]
    bn('bn2'),
    relu('relu2'),
    tf.layers.conv2dTranspose({
      name: `${role}_logits_image`,
      filters: shape.channels,
      kernelSize: KERNEL,
      strides: 2,
      padding: 'same',
      kernelInitializer: init(2),
    }), // [batch, H, W, C]
    tf.layers.flatten({ name: `${role}_logits` }), // [batch, pixels]
  ];
  let h: tf.SymbolicTensor = input;
  for (const layer of layers) h = layer.apply(h) as tf.SymbolicTensor;
  return tf.model({ name: role, inputs: input, outputs: h });
}

/**
 * Discriminator D_psi: x [batch, pixels] -> [Dis_l [batch, H/4 * W/4 * 64], logit [batch, 1]].
 * Dis_l is the output of the last conv block, as in Larsen et al.
 */
export function buildConvDiscriminator(config: ModelConfig, init: Init): tf.LayersModel {
  const shape = imageShapeOf(config);
  const input = tf.input({ shape: [imageSize(config.image)], name: 'discriminator_input' });
  let n = 0;
  const block = convStack(input, 'discriminator', shape, filtersOf(config), init, () =>
    tf.layers.leakyReLU({ name: `discriminator_lrelu${++n}`, alpha: LEAK }),
  );
  const features = tf.layers
    .flatten({ name: 'discriminator_features' })
    .apply(block) as tf.SymbolicTensor;
  const logit = tf.layers
    .dense({ name: 'discriminator_logit', units: 1, kernelInitializer: init(2) })
    .apply(features) as tf.SymbolicTensor;
  return tf.model({ name: 'discriminator', inputs: input, outputs: [features, logit] });
}
