/**
 * The arithmetic of one training step, counted analytically, for the benchmark's GFLOP/s figure.
 * Only the matrix products are counted (multiply-adds of the dense layers, forward and backward,
 * only the gradients the step needs). At the seed's sizes and batch 64 the element-wise work
 * (activations, losses, the three Adam updates of about 1.6 M weights) adds 1 to 2 % to it.
 */
import { hiddenLayersOf, imageSize, type ModelConfig } from './config';

/** Multiply-adds per image of one training step, by phase of VaeGan.trainStep. */
export interface StepMacs {
  vae: number;
  fakes: number;
  discriminator: number;
  generator: number;
  total: number;
}

/** Layer widths of a dense stack, input first. */
type Widths = readonly number[];

/** in * out summed over the layers: one forward pass, or one backward product of each layer. */
function perLayer(widths: Widths, fromLayer = 0): number {
  let macs = 0;
  for (let i = fromLayer; i < widths.length - 1; i++) macs += widths[i]! * widths[i + 1]!;
  return macs;
}

const forward = (w: Widths) => perLayer(w);
/** Weight gradients of every layer: dW = x^T dy, one product per layer. */
const weightGrads = (w: Widths) => perLayer(w);
/**
 * Input gradients dx = dy W^T. The first layer's is needed only when the network's input itself
 * depends on a variable being trained (tfjs prunes the rest of the tape, so does PyTorch).
 */
const inputGrads = (w: Widths, inputNeedsGrad: boolean) => perLayer(w, inputNeedsGrad ? 0 : 1);

/**
 * Multiply-adds per image of VaeGan.trainStep for an MLP model (docs/model.md).
 * @param adversarialStep false when gamma is 0: phase 3 then only measures L_G (forward passes)
 * @param threeBatches D also sees reconstructions (the default); false: real against prior only
 * @returns undefined for architectures other than the MLP (not counted)
 */
export function trainStepMacs(
  config: ModelConfig,
  adversarialStep = true,
  threeBatches = true,
): StepMacs | undefined {
  if (config.architecture !== 'mlp') return undefined;
  const { hiddenUnits: h, latentDim: l } = config;
  const p = imageSize(config.image);
  const hidden = Array.from({ length: hiddenLayersOf(config) }, () => h);
  const enc: Widths = [p, ...hidden, 2 * l];
  const dec: Widths = [l, ...hidden, p];
  const dis: Widths = [p, h, 1];
  // Phase 1: x -> encoder -> z -> decoder; x needs no gradient, z does (it depends on phi).
  const vae =
    forward(enc) +
    weightGrads(enc) +
    inputGrads(enc, false) +
    forward(dec) +
    weightGrads(dec) +
    inputGrads(dec, true);
  // Fakes: encode once, decode z~q(z|x) and generate from z~N(0,I), no tape.
  const fakes = forward(enc) + forward(dec) + forward(dec);
  // Phase 2: D on three (or two) constant batches; with two it still scores the
  // reconstructions (forward only) for the curve of mean D(x~).
  const batches = threeBatches ? 3 : 2;
  const discriminator = 3 * forward(dis) + batches * (weightGrads(dis) + inputGrads(dis, false));
  // Phase 3: G's images through a fixed D. The gradient crosses all of D's layers into the image,
  // then G's layers down to (not into) the constant z. In `separate` the reconstruction branch
  // goes through the decoder, which phase 3 does not train: forward only.
  const trainedBranch = forward(dec) + forward(dis) + inputGrads(dis, true);
  const backIntoG = weightGrads(dec) + inputGrads(dec, false);
  // With two batches only the prior branch is scored.
  let generator: number;
  if (!adversarialStep) generator = (batches - 1) * (forward(dec) + forward(dis));
  else if (!threeBatches) generator = trainedBranch + backIntoG;
  else if (config.variant === 'shared') generator = 2 * (trainedBranch + backIntoG);
  else generator = forward(dec) + forward(dis) + trainedBranch + backIntoG;
  return {
    vae,
    fakes,
    discriminator,
    generator,
    total: vae + fakes + discriminator + generator,
  };
}

/** Floating-point operations per second from multiply-adds (2 FLOPs each), in GFLOP/s. */
export function gflops(macsPerImage: number, imagesPerSec: number): number {
  return (2 * macsPerImage * imagesPerSec) / 1e9;
}
