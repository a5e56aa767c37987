/**
 * The VAEGAN's training step for the MLP networks, compiled: each phase of src/model/vaegan.ts
 * (docs/model.md, "One training step") written out as the products, endings and element-wise
 * tasks of ../codegen, on both cores through the pool, with the tiny [batch x latent] and
 * [batch] parts in plain TypeScript. The same math as tfjs's autograd over the same networks,
 * which stays the reference (tests/unit/compiled-step.test.ts): forward, the losses, their
 * gradients layer by layer, and Adam on the weights tfjs holds: in place where nothing else holds
 * their buffers, else into new ones, so a copy of the old ones (the divergence guard's, an export
 * in progress) stays as it was (the binding decides, ../tfjs/dense-step.ts).
 *
 * Knows nothing of tfjs: every tensor is a byte address in the memory (the binding is
 * ../tfjs/dense-step.ts). Stacked buffers let one product serve several batches: the fakes are
 * one decoder pass over [z_tilde; z_prior] in `shared`, D sees [x_tilde; x_prior; x] as one
 * matrix, and the weight gradients of several branches are one product over their rows.
 * Phase 3 reuses the fakes' decoder pass: the decoder has not moved since (phase 2 trains D
 * only), so its images and hidden layer are those phase 3 would compute again.
 */
import type { AdversarialForm } from '../../../shared/config';
import { type Layer, LayerOps, type Net, type TrainedLayer, trained } from './layers';
import type { AdamStep } from './tasks';

export { ALL_LEVERS, type Layer, type Net, type StepLevers, type TrainedLayer } from './layers';

export interface VaePhaseArgs {
  x: number;
  /** eps ~ N(0, I), [batch x latent]: the reparameterisation's noise. */
  eps: number;
  encoder: Net<Layer | TrainedLayer>;
  decoder: Net<Layer | TrainedLayer>;
  /** Adam for encoder and decoder; null: only measure. */
  adam: AdamStep | null;
  beta: number;
  /** A floor per latent dimension on the batch's mean KL (free bits); 0 for none. */
  freeBits: number;
  /**
   * The token of this batch (GPhaseArgs.next): phase 3 of the step before started this
   * phase's first product when it was given the same one. 0 or absent: none.
   */
  token?: number;
}

export interface FakesArgs {
  x: number;
  eps: number;
  zPrior: number;
  encoder: Net;
  decoder: Net;
  /** The decoder itself in `shared`. */
  generator: Net;
  /** D as phase 2 will take it: its first product over the stack starts before fakes returns. */
  discriminator?: Net;
  out: {
    zTilde: number;
    xTilde: number;
    xPrior: number;
    /** [x_tilde; x_prior; x], [3 batch x pixels]. */
    stack: number;
    /** The hidden layer of the decoder (and generator) for [z_tilde; z_prior], [2 batch x hidden]. */
    hidden: number;
    /** [z_tilde; z_prior], [2 batch x latent]. */
    latents: number;
  };
}

export interface DPhaseArgs {
  stack: number;
  discriminator: Net<Layer | TrainedLayer>;
  adam: AdamStep | null;
  /** D trains on reconstructions as a third batch. */
  threeBatches: boolean;
}

export interface GPhaseArgs {
  stack: number;
  hidden: number;
  latents: number;
  /** D as phase 2 left it. */
  discriminator: Net;
  generator: Net<Layer | TrainedLayer>;
  adam: AdamStep | null;
  /** L_G has the reconstruction branch (D saw three batches). */
  threeBatches: boolean;
  form: AdversarialForm;
  /** G is a network of its own: the reconstruction branch only measures. */
  separate: boolean;
  /**
   * The next step's batch, drawn early, with the encoder as it stands (phase 3 does not move
   * it) and a token naming that batch: the phase starts the next phase 1's first product on
   * the helpers before it returns, for the next vae() with the same token to take.
   */
  next?: { x: number; encoder: Layer; token: number };
}

/** Squared gradient norms of the networks a phase trained (weights and biases). */
export type GradSq = Partial<Record<'encoder' | 'decoder' | 'generator' | 'discriminator', number>>;

const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** The four phases of one training step, on one workspace. */
export class DenseStep extends LayerOps {
  /** Phase 1: encoder + decoder on L_rec + beta KL (pixel loss). */
  vae(p: VaePhaseArgs): { reconstruction: number; kl: number; gradSq: GradSq } {
    this.tasks.enter('vae', p.token);
    const { pixels: P, hidden: H, latent: L, batch: B } = this.dims;
    const { at } = this.workspace;
    const [e1, e2] = p.encoder;
    const [d1, d2] = p.decoder;
    this.forward(e1, p.x, at.h, B, P, H, true); // [B, H]
    this.forward(e2, at.h, at.o, B, H, 2 * L, false); // [B, 2L] = mu | logvar
    // z = mu + exp(0.5 logvar) eps, and the KL (with its floor per dimension, if any).
    const f = this.f32;
    const o = at.o >> 2;
    const z = at.z >> 2;
    const eps = p.eps >> 2;
    const klPerDim = new Float64Array(L);
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < L; j++) {
        const mu = f[o + b * 2 * L + j]!;
        const lv = f[o + b * 2 * L + L + j]!;
        f[z + b * L + j] = mu + Math.exp(0.5 * lv) * f[eps + b * L + j]!;
        klPerDim[j]! += -0.5 * (1 + lv - mu * mu - Math.exp(lv));
      }
    }
    // The KL reported is the plain one; with free bits, a dimension whose batch mean is below
    // the floor costs the floor, a constant: no gradient flows from it.
    let kl = 0;
    const floored = new Uint8Array(L);
    for (let j = 0; j < L; j++) {
      const mean = klPerDim[j]! / B;
      kl += mean;
      floored[j] = p.freeBits > 0 && mean < p.freeBits ? 1 : 0;
    }
    this.forward(d1, at.z, at.hd, B, L, H, true); // [B, H]
    this.forward(d2, at.hd, at.logits, B, H, P, false); // [B, P]
    const chunks = this.tasks.rows('bce', {
      src: at.logits,
      src2: p.x,
      dst: at.dl,
      rows: B,
      width: P,
      scale: 1 / B,
      partials: at.partials,
    });
    const reconstruction = this.sum(at.partials, chunks) / B;
    const gradSq: GradSq = {};
    const adam = p.adam;
    if (!adam) return { reconstruction, kl, gradSq };
    if (!trained(e1) || !trained(e2) || !trained(d1) || !trained(d2)) {
      throw new Error('compiled step: phase 1 trains, but a layer has no Adam state');
    }
    // Decoder backwards from dl = dL/dlogits [B, P] (the bce task). Each layer's input gradient
    // comes before its weights move: Adam may update them in place.
    this.backward('mask', {
      a: at.dl,
      b: d2.w,
      bT: true,
      m: B,
      n: H,
      k: P,
      c: at.dhd,
      aux: at.hd,
    });
    let decoder = this.weightStep(d2, at.hd, at.dl, B, H, P, adam);
    this.tasks.gemm('store', { a: at.dhd, b: d1.w, bT: true, m: B, n: L, k: H, c: at.dz });
    decoder += this.weightStep(d1, at.z, at.dhd, B, L, H, adam);
    // Through z = mu + exp(lv / 2) eps, plus beta KL's own gradient.
    const g = this.f32;
    const dz = at.dz >> 2;
    const dout = at.dout >> 2;
    const klScale = p.beta / B;
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < L; j++) {
        const mu = g[o + b * 2 * L + j]!;
        const lv = g[o + b * 2 * L + L + j]!;
        const dzv = g[dz + b * L + j]!;
        const kept = floored[j] ? 0 : klScale;
        g[dout + b * 2 * L + j] = dzv + kept * mu;
        g[dout + b * 2 * L + L + j] =
          dzv * g[eps + b * L + j]! * 0.5 * Math.exp(0.5 * lv) + kept * 0.5 * (Math.exp(lv) - 1);
      }
    }
    this.backward('mask', {
      a: at.dout,
      b: e2.w,
      bT: true,
      m: B,
      n: H,
      k: 2 * L,
      c: at.dh,
      aux: at.h,
    });
    let encoder = this.weightStep(e2, at.h, at.dout, B, H, 2 * L, adam);
    encoder += this.weightStep(e1, p.x, at.dh, B, P, H, adam);
    // The fakes' first product: the moved encoder's hidden layer for the same batch.
    this.forward(DenseStep.moved(e1), p.x, at.h, B, P, H, true, 'fakes');
    gradSq.encoder = encoder;
    gradSq.decoder = decoder;
    return { reconstruction, kl, gradSq };
  }

  /** The fakes phases 2 and 3 share: z_tilde ~ q(z|x), z_prior, and their images, stacked. */
  fakes(p: FakesArgs): void {
    this.tasks.enter('fakes');
    const { pixels: P, hidden: H, latent: L, batch: B } = this.dims;
    const { at } = this.workspace;
    const { out } = p;
    const [e1, e2] = p.encoder;
    this.forward(e1, p.x, at.h, B, P, H, true);
    this.forward(e2, at.h, at.o, B, H, 2 * L, false);
    const f = this.f32;
    const o = at.o >> 2;
    const eps = p.eps >> 2;
    const lat = out.latents >> 2;
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < L; j++) {
        const mu = f[o + b * 2 * L + j]!;
        const lv = f[o + b * 2 * L + L + j]!;
        f[lat + b * L + j] = mu + Math.exp(0.5 * lv) * f[eps + b * L + j]!;
      }
    }
    f.copyWithin(lat + B * L, p.zPrior >> 2, (p.zPrior >> 2) + B * L);
    f.copyWithin(out.zTilde >> 2, lat, lat + B * L);
    const [d1, d2] = p.decoder;
    const [g1, g2] = p.generator;
    if (g1.w === d1.w) {
      this.forward(d1, out.latents, out.hidden, 2 * B, L, H, true);
      this.forward(d2, out.hidden, at.logits, 2 * B, H, P, false);
    } else {
      const half = B * L * 4;
      this.forward(d1, out.latents, out.hidden, B, L, H, true);
      this.forward(g1, out.latents + half, out.hidden + B * H * 4, B, L, H, true);
      this.forward(d2, out.hidden, at.logits, B, H, P, false);
      this.forward(g2, out.hidden + B * H * 4, at.logits + B * P * 4, B, H, P, false);
    }
    this.tasks.rows('sigmoid', { src: at.logits, dst: out.stack, rows: 2 * B, width: P });
    const g = this.f32;
    const stack = out.stack >> 2;
    g.copyWithin(stack + 2 * B * P, p.x >> 2, (p.x >> 2) + B * P);
    g.copyWithin(out.xTilde >> 2, stack, stack + B * P);
    g.copyWithin(out.xPrior >> 2, stack + B * P, stack + 2 * B * P);
    // Phase 2's first product: D's hidden layer over the whole stack (dLogits).
    if (p.discriminator)
      this.forward(p.discriminator[0], out.stack, at.hD, 3 * B, P, H, true, 'discriminator');
  }

  /** Phase 2: D on L_D over [x_tilde; x_prior; x] (x_tilde only measured with two batches). */
  discriminator(p: DPhaseArgs): {
    discriminator: number;
    dReal: number;
    dRecon: number;
    dPrior: number;
    gradSq: GradSq;
  } {
    this.tasks.enter('discriminator');
    const { hidden: H, pixels: P, batch: B } = this.dims;
    const { at } = this.workspace;
    const lg = this.dLogits(p.discriminator, p.stack, 3 * B);
    const f = this.f32;
    const dl = at.dLogit >> 2;
    let [sReal, sRecon, sPrior, lReal, lRecon, lPrior] = [0, 0, 0, 0, 0, 0];
    for (let i = 0; i < B; i++) {
      const recon = f[lg + i]!;
      const prior = f[lg + B + i]!;
      const real = f[lg + 2 * B + i]!;
      sRecon += sigmoid(recon);
      sPrior += sigmoid(prior);
      sReal += sigmoid(real);
      lRecon += softplus(recon);
      lPrior += softplus(prior);
      lReal += softplus(-real);
      // d/dl of the means: -log s(real) -> s - 1; -log(1 - s(fake)) -> s, halved with three
      const fake = p.threeBatches ? 0.5 / B : 1 / B;
      f[dl + i] = p.threeBatches ? sigmoid(recon) * fake : 0;
      f[dl + B + i] = sigmoid(prior) * fake;
      f[dl + 2 * B + i] = (sigmoid(real) - 1) / B;
    }
    const fakeCost = p.threeBatches ? 0.5 * (lRecon / B + lPrior / B) : lPrior / B;
    const result = {
      discriminator: lReal / B + fakeCost,
      dReal: sReal / B,
      dRecon: sRecon / B,
      dPrior: sPrior / B,
      gradSq: {} as GradSq,
    };
    const adam = p.adam;
    if (!adam) return result;
    const [l1, l2] = p.discriminator;
    if (!trained(l1) || !trained(l2)) throw new Error('compiled step: D trains without Adam state');
    const r0 = p.threeBatches ? 0 : B;
    const rows = 3 * B - r0;
    const chunks = this.tasks.outer({
      h: at.hD + r0 * H * 4,
      d: at.dLogit + r0 * 4,
      w: l2.w,
      dst: at.dhD,
      rows,
      width: H,
      colPartials: at.colPartials,
    });
    // The logit layer's gradient: h^T d from the chunks' parts, in chunk order; its bias: sum d.
    const g = this.f32;
    const cp = at.colPartials >> 2;
    const stride = Math.ceil(H / 4) * 4;
    const gw = at.gD2 >> 2;
    let sq = 0;
    for (let j = 0; j < H; j++) {
      let s = 0;
      for (let c = 0; c < chunks; c++) s += g[cp + c * stride + j]!;
      g[gw + j] = s;
      sq += g[gw + j]! ** 2;
    }
    let gb = 0;
    for (let i = r0; i < 3 * B; i++) gb += g[dl + i]!;
    g[gw + H] = gb;
    sq += g[gw + H]! ** 2;
    sq += this.weightStep(l1, p.stack + r0 * P * 4, at.dhD, rows, P, H, adam);
    // Phase 3's first product: the moved D's hidden layer over [x_tilde; x_prior] (dLogits), when
    // phase 3 takes the fakes' images as they are.
    if (this.levers.reuseFakes) {
      this.forward(DenseStep.moved(l1), p.stack, at.hD, 2 * B, P, H, true, 'generator');
    }
    this.adamSmall(l2, at.gD2, H, adam);
    result.gradSq.discriminator = sq;
    return result;
  }

  /**
   * Phase 3 without reuse: the generator's pass over [z_tilde; z_prior] again, as autograd runs
   * it (the reconstruction rows of `separate`, through the decoder, are copied: phase 3 does not
   * have the decoder's weights). Into the workspace; returns where the hidden layer and images are.
   */
  private decodeAgain(p: GPhaseArgs): { hidden: number; images: number } {
    const { pixels: P, hidden: H, latent: L, batch: B } = this.dims;
    const { at } = this.workspace;
    const [g1, g2] = p.generator;
    const from = p.separate ? B : 0;
    const rows = 2 * B - from;
    this.forward(g1, p.latents + from * L * 4, at.hidden2 + from * H * 4, rows, L, H, true);
    this.forward(g2, at.hidden2 + from * H * 4, at.logits2 + from * P * 4, rows, H, P, false);
    this.tasks.rows('sigmoid', {
      src: at.logits2 + from * P * 4,
      dst: at.images2 + from * P * 4,
      rows,
      width: P,
    });
    if (from > 0) {
      const f = this.f32;
      f.copyWithin(at.hidden2 >> 2, p.hidden >> 2, (p.hidden >> 2) + B * H);
      f.copyWithin(at.images2 >> 2, p.stack >> 2, (p.stack >> 2) + B * P);
    }
    return { hidden: at.hidden2, images: at.images2 };
  }

  /** Phase 3: G on L_G through the D phase 2 left, from the fakes' decoder pass. */
  generator(p: GPhaseArgs): { generator: number; gradSq: GradSq } {
    const result = this.generatorPhase(p);
    const next = p.next;
    if (next) {
      // The next step's first product: the encoder's hidden layer for its batch.
      const { pixels: P, hidden: H, batch: B } = this.dims;
      this.forward(next.encoder, next.x, this.workspace.at.h, B, P, H, true, 'vae', next.token);
    }
    return result;
  }

  private generatorPhase(p: GPhaseArgs): { generator: number; gradSq: GradSq } {
    this.tasks.enter('generator');
    const { pixels: P, hidden: H, latent: L, batch: B } = this.dims;
    const { at } = this.workspace;
    const { hidden, images } = this.levers.reuseFakes
      ? { hidden: p.hidden, images: p.stack }
      : this.decodeAgain(p);
    const lg = this.dLogits(p.discriminator, images, 2 * B);
    const f = this.f32;
    const dl = at.dLogit >> 2;
    const nonSaturating = p.form === 'non-saturating';
    const weight = p.threeBatches ? 0.5 / B : 1 / B;
    let lRecon = 0;
    let lPrior = 0;
    for (let i = 0; i < 2 * B; i++) {
      const l = f[lg + i]!;
      // non-saturating: -log s(l) = softplus(-l), d/dl = s - 1; minimax: -softplus(l), d/dl = -s
      const cost = nonSaturating ? softplus(-l) : -softplus(l);
      if (i < B) lRecon += cost;
      else lPrior += cost;
      f[dl + i] = (nonSaturating ? sigmoid(l) - 1 : -sigmoid(l)) * weight;
    }
    const generator = p.threeBatches ? 0.5 * (lRecon / B + lPrior / B) : lPrior / B;
    const gradSq: GradSq = {};
    const adam = p.adam;
    if (!adam) return { generator, gradSq };
    const [g1, g2] = p.generator;
    if (!trained(g1) || !trained(g2)) throw new Error('compiled step: G trains without Adam state');
    const [dl1, dl2] = p.discriminator;
    // The rows whose gradient reaches G: both branches through the shared decoder, else the prior's.
    const r0 = p.threeBatches && !p.separate ? 0 : B;
    const rows = 2 * B - r0;
    this.tasks.outer({
      h: at.hD + r0 * H * 4,
      d: at.dLogit + r0 * 4,
      w: dl2.w,
      dst: at.dhD,
      rows,
      width: H,
    });
    // Into the images and through their sigmoid: dL/dlogits of G, [rows, P].
    this.backward('dsig', {
      a: at.dhD,
      b: dl1.w,
      bT: true,
      m: rows,
      n: P,
      k: H,
      c: at.dX,
      aux: images + r0 * P * 4,
    });
    this.backward('mask', {
      a: at.dX,
      b: g2.w,
      bT: true,
      m: rows,
      n: H,
      k: P,
      c: at.dhd,
      aux: hidden + r0 * H * 4,
    });
    let sq = this.weightStep(g2, hidden + r0 * H * 4, at.dX, rows, H, P, adam);
    sq += this.weightStep(g1, p.latents + r0 * L * 4, at.dhd, rows, L, H, adam);
    gradSq.generator = sq;
    return { generator, gradSq };
  }
}
