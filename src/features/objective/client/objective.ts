/**
 * The objective of the running model as formulas (TeX for KaTeX, plus plain-text alternatives),
 * with the live values the worker reports bound into them. Pure: no DOM, no KaTeX, so every
 * combination of settings is unit-tested.
 */
import type {
  AdversarialForm,
  Hyperparams,
  ReconstructionLoss,
  Variant,
} from '../../../shared/config';
import type { MetricName } from '../../../model/vaegan';
import { klWeightAt } from '../../../shared/kl-schedule';

export type { ReconstructionLoss } from '../../../shared/config';

/** Terms a user can point at: in a formula, on a curve, or through the slider that scales them. */
export type TermId = 'rec' | 'kl' | 'disc' | 'gen' | 'elbo';

/** Which curve shows each term (the charts use the same keys). */
export const TERM_METRIC: Record<Exclude<TermId, 'elbo'>, MetricName> = {
  rec: 'reconstruction',
  kl: 'kl',
  disc: 'discriminator',
  gen: 'generator',
};

export interface ObjectiveSettings {
  variant: Variant;
  reconstruction: ReconstructionLoss;
  adversarialForm: AdversarialForm;
  beta: number;
  gamma: number;
  /** D sees reconstructions as a third batch (default true). */
  reconstructionsInD?: boolean;
  /** Plain GAN: no phase 1, D and G on real against prior samples (default false). */
  ganOnly?: boolean;
  /** Larsen's equilibrium gate (default false). */
  equilibriumGate?: boolean;
  /** KL warm-up over this many steps (0 or absent: off). */
  klWarmup?: number;
  /** Free bits: nats per dimension the KL term does not charge for (0 or absent: off). */
  freeBits?: number;
  /** The step the next update is (1-based), for the warmed-up beta. */
  nextStep?: number;
  /**
   * sum_j max(lambda, KL_j) with KL_j measured on test images (the posterior panel's), as the
   * live value of the free-bits term; the batch's own is not read back.
   */
  freeBitsValue?: number;
}

/** Which model the switches make: the full VAEGAN or one of its special cases. */
export function modelMode(
  h: Pick<Hyperparams, 'gamma' | 'ganOnly'> & Partial<Pick<Hyperparams, 'dWatches'>>,
): {
  id: 'vaegan' | 'vae' | 'gan';
  name: string;
  detail: string;
} {
  if (h.ganOnly)
    return {
      id: 'gan',
      name: 'plain GAN',
      detail: 'generator and discriminator only; the encoder does not train',
    };
  if (h.gamma <= 0)
    return {
      id: 'vae',
      name: 'plain VAE',
      detail:
        h.dWatches === false
          ? 'γ = 0: phase 1 alone; D does not train'
          : 'γ = 0: no adversarial step; D only watches',
    };
  return { id: 'vaegan', name: 'VAEGAN', detail: 'all three phases' };
}

/** The reconstruction term's value for the loss in use (the pixel NLL is always reported). */
function reconstructionValue(kind: ReconstructionLoss, live: LiveValues): number | undefined {
  if (kind === 'pixel') return live.reconstruction;
  if (kind === 'feature') return live.featureRec;
  return live.reconstruction !== undefined && live.featureRec !== undefined
    ? live.reconstruction + live.featureRec
    : undefined;
}

/** Latest values per image, as the worker reports them (undefined before the first step). */
export type LiveValues = Partial<Record<MetricName, number>>;

export interface FormulaBlock {
  id: 'elbo' | 'discriminator' | 'generator' | 'total';
  title: string;
  /** TeX for KaTeX; terms are wrapped in \htmlData{term=...} so the page can highlight them. */
  tex: string;
  /** The same formula in words, for screen readers and copy-paste. */
  text: string;
  /** Terms that occur in this block. */
  terms: TermId[];
}

/** A number for a formula: 3 significant digits, or a dash before the first step. */
export function formatValue(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return '\\text{–}';
  if (!Number.isFinite(v)) return v > 0 ? '\\infty' : '-\\infty';
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 0.001 || abs >= 100000))
    return v.toExponential(2).replace('e', '\\text{e}');
  return String(+v.toPrecision(abs >= 100 ? 4 : 3));
}

const term = (id: TermId, tex: string) => `\\htmlData{term=${id}}{${tex}}`;
/** A term with its live value written beneath it. */
const valued = (id: TermId, tex: string, value: number | undefined) =>
  term(id, `\\underbrace{${tex}}_{${formatValue(value)}}`);

function reconstructionTex(kind: ReconstructionLoss): { tex: string; text: string } {
  const pixel =
    '-\\textstyle\\sum_i \\big[x_i \\log \\tilde x_i + (1-x_i)\\log(1-\\tilde x_i)\\big]';
  const feature = '\\tfrac12\\lVert \\mathrm{Dis}_l(x) - \\mathrm{Dis}_l(\\tilde x)\\rVert^2';
  switch (kind) {
    case 'pixel':
      return {
        tex: pixel,
        text: 'binary cross-entropy summed over the pixels of x and its reconstruction x-tilde',
      };
    case 'feature':
      return {
        tex: feature,
        text: "half the squared distance between the discriminator's hidden features Dis_l of x and of x-tilde",
      };
    case 'mixed':
      return {
        tex: `${pixel} + ${feature}`,
        text: 'binary cross-entropy over pixels plus half the squared distance of the features Dis_l',
      };
  }
}

/**
 * The formulas for the running model: the ELBO, the discriminator's and the generator's sides of
 * the game, and the three-phase VAEGAN objective with beta and gamma.
 */
export function objectiveFormulas(s: ObjectiveSettings, live: LiveValues = {}): FormulaBlock[] {
  const rec = reconstructionTex(s.reconstruction);
  const threeBatches = (s.reconstructionsInD ?? true) && !s.ganOnly;
  const ganOnly = s.ganOnly ?? false;
  const recValue = reconstructionValue(s.reconstruction, live);
  // The ELBO is a likelihood bound: it always uses the Bernoulli (pixel) NLL, whatever trains.
  const elboValue =
    live.reconstruction !== undefined && live.kl !== undefined
      ? -(live.reconstruction + live.kl)
      : undefined;
  const gen = s.variant === 'shared' ? 'p_\\theta' : 'G_\\vartheta';
  const genText = s.variant === 'shared' ? 'the decoder p-theta' : 'the generator G-vartheta';

  const pixelNll =
    '-\\textstyle\\sum_i \\big[x_i \\log \\tilde x_i + (1-x_i)\\log(1-\\tilde x_i)\\big]';
  const klTex = `\\mathrm{KL} = -\\tfrac12 \\textstyle\\sum_j \\big(1 + \\log\\sigma_j^2 - \\mu_j^2 - \\sigma_j^2\\big)`;
  const klTerm = valued(
    'kl',
    '\\mathrm{KL}\\big(q_\\phi(z\\mid x)\\,\\Vert\\,\\mathcal N(0,I)\\big)',
    live.kl,
  );
  const elbo: FormulaBlock =
    s.reconstruction === 'pixel'
      ? {
          id: 'elbo',
          title: 'Evidence lower bound (nats per image)',
          tex:
            `\\log p(x) \\;\\ge\\; ${valued('elbo', '\\mathrm{ELBO}', elboValue)} = ` +
            `-${valued('rec', `\\mathcal{L}_{\\text{rec}}`, live.reconstruction)} - ${klTerm}` +
            `\\\\[4pt] \\mathcal{L}_{\\text{rec}} = ${rec.tex}, \\qquad ${klTex}`,
          text:
            `log p(x) is at least the ELBO, which is minus the reconstruction loss L_rec minus KL of q(z given x) from N(0, I). ` +
            `L_rec is ${rec.text}. The KL is minus one half times the sum over latent dimensions of 1 plus log sigma squared minus mu squared minus sigma squared.`,
          terms: ['elbo', 'rec', 'kl'],
        }
      : {
          id: 'elbo',
          title: `Evidence lower bound (nats per image); phase 1 trains the ${s.reconstruction} loss`,
          tex:
            `\\log p(x) \\;\\ge\\; ${valued('elbo', '\\mathrm{ELBO}', elboValue)} = ` +
            `-\\underbrace{\\mathrm{NLL}_{\\text{pixel}}}_{${formatValue(live.reconstruction)}} - ${klTerm}` +
            `\\\\[4pt] \\text{trained: } ${valued('rec', '\\mathcal{L}_{\\text{rec}}', recValue)} = ${rec.tex}` +
            `\\\\[4pt] \\mathrm{NLL}_{\\text{pixel}} = ${pixelNll}, \\qquad ${klTex}`,
          text:
            `log p(x) is at least the ELBO, minus the pixel negative log-likelihood minus the KL; it is reported for comparison. ` +
            `Phase 1 trains L_rec instead, which is ${rec.text}. The KL is minus one half times the sum over latent dimensions of 1 plus log sigma squared minus mu squared minus sigma squared.`,
          terms: ['elbo', 'rec', 'kl'],
        };

  const dVerdicts = `\\\\[4pt] \\overline{D(x)} = ${formatValue(live.dReal)},\\quad \\overline{D(\\tilde x)} = ${formatValue(live.dRecon)},\\quad \\overline{D(x_p)} = ${formatValue(live.dPrior)}`;
  const gateNote = s.equilibriumGate
    ? `\\\\[4pt] \\text{gate: D's step skipped while } \\min(\\ell_{\\text{real}}, \\ell_{\\text{fake}}) < 0.68 - 0.35;\\ \\text{G's while } \\max(\\ell_{\\text{real}}, \\ell_{\\text{fake}}) > 0.68 + 0.35`
    : '';
  const discriminator: FormulaBlock = threeBatches
    ? {
        id: 'discriminator',
        title: 'Discriminator: real images against reconstructions and prior samples',
        tex:
          `${valued('disc', '\\mathcal{L}_D', live.discriminator)} = -\\Big[\\log D_\\psi(x) + ` +
          `\\tfrac12 \\log\\big(1 - D_\\psi(\\tilde x)\\big) + \\tfrac12 \\log\\big(1 - D_\\psi(x_p)\\big)\\Big]` +
          `\\\\[4pt] \\tilde x = p_\\theta(z),\\ z \\sim q_\\phi(z\\mid x); \\quad x_p = ${gen}(z_p),\\ z_p \\sim \\mathcal N(0, I)` +
          dVerdicts +
          gateNote,
        text:
          'L_D is minus the sum of log D(x), one half log of 1 minus D(x-tilde) and one half log of 1 minus D(x_p), ' +
          `where x-tilde is the reconstruction of x and x_p is ${genText} applied to prior noise.` +
          (s.equilibriumGate
            ? ' The equilibrium gate skips the update of a side that is too far ahead or behind.'
            : ''),
        terms: ['disc'],
      }
    : {
        id: 'discriminator',
        title: ganOnly
          ? 'Discriminator: real images against prior samples (plain GAN)'
          : 'Discriminator: real images against prior samples only (reconstructions left out)',
        tex:
          `${valued('disc', '\\mathcal{L}_D', live.discriminator)} = -\\Big[\\log D_\\psi(x) + ` +
          `\\log\\big(1 - D_\\psi(x_p)\\big)\\Big]` +
          `\\\\[4pt] x_p = ${gen}(z_p),\\ z_p \\sim \\mathcal N(0, I)\\quad (\\tilde x \\text{ not shown to } D)` +
          dVerdicts +
          gateNote,
        text:
          `L_D is minus the sum of log D(x) and log of 1 minus D(x_p), where x_p is ${genText} applied to prior noise; ` +
          'D is not trained on reconstructions (D of x-tilde is only measured).',
        terms: ['disc'],
      };

  const nonSaturating = s.adversarialForm === 'non-saturating';
  const L_G = valued('gen', '\\mathcal{L}_G', live.generator);
  const generator: FormulaBlock = {
    id: 'generator',
    title: nonSaturating
      ? 'Generator side: non-saturating form'
      : "Generator side: minimax form (the seed's)",
    tex: threeBatches
      ? nonSaturating
        ? `${L_G} = -\\Big[\\tfrac12 \\log D_\\psi(\\tilde x) + \\tfrac12 \\log D_\\psi(x_p)\\Big]`
        : `${L_G} = \\tfrac12 \\log\\big(1 - D_\\psi(\\tilde x)\\big) + \\tfrac12 \\log\\big(1 - D_\\psi(x_p)\\big)`
      : nonSaturating
        ? `${L_G} = -\\log D_\\psi(x_p)`
        : `${L_G} = \\log\\big(1 - D_\\psi(x_p)\\big)`,
    text: threeBatches
      ? nonSaturating
        ? 'L_G is minus the sum of one half log D(x-tilde) and one half log D(x_p): the generator side maximises the log-probability that D calls its images real.'
        : 'L_G is one half log of 1 minus D(x-tilde) plus one half log of 1 minus D(x_p): the generator side minimises the log-probability that D calls its images fake, as in the minimax game.'
      : nonSaturating
        ? 'L_G is minus log D(x_p), on prior samples only.'
        : 'L_G is log of 1 minus D(x_p), on prior samples only, as in the minimax game.',
    terms: ['gen'],
  };

  const beta = formatValue(s.beta);
  const gamma = formatValue(s.gamma);
  const genParams = s.variant === 'shared' ? '\\theta' : '\\vartheta';
  const warmup = s.klWarmup ?? 0;
  const freeBits = s.freeBits ?? 0;
  const t = s.nextStep ?? 1;
  const klWeight = warmup > 0 ? '\\beta_t' : '\\beta';
  const klSum = '\\textstyle\\sum_j \\max(\\lambda, \\mathrm{KL}_j)';
  const warmupTex =
    warmup > 0
      ? `\\\\[4pt] \\beta_t = \\beta \\min(1, t/N) = ${formatValue(klWeightAt(s.beta, warmup, t))}` +
        (t < warmup
          ? `\\quad (t = ${t},\\ N = ${warmup})`
          : `\\quad (\\text{warm-up over: } N = ${warmup})`)
      : '';
  const freeBitsTex =
    freeBits > 0
      ? `\\\\[4pt] ${valued('kl', klSum, s.freeBitsValue)},\\ \\lambda = ${formatValue(freeBits)}`
      : '';
  const phase1 = ganOnly
    ? `\\text{1: skipped (GAN only): the encoder does not train}`
    : `\\text{1: } \\min_{\\phi,\\theta}\\ ${term('rec', '\\mathcal{L}_{\\text{rec}}')} + ` +
      `${term('kl', `${klWeight}\\,${freeBits > 0 ? klSum : '\\mathrm{KL}'}`)},\\ \\beta = ${beta}` +
      warmupTex +
      freeBitsTex;
  const phase3 = ganOnly
    ? `\\text{3: } \\min_{${genParams}}\\ ${term('gen', '\\mathcal{L}_G')} \\ \\text{with step } \\eta_G\\ (\\gamma \\text{ unused})`
    : s.gamma > 0
      ? `\\text{3: } \\min_{${genParams}}\\ ${term('gen', '\\mathcal{L}_G')} \\ \\text{with step } \\gamma\\,\\eta_G,\\ \\gamma = ${gamma}`
      : `\\text{3: skipped } (\\gamma = 0)\\text{: a plain VAE}`;
  const trainsG = ganOnly || s.gamma > 0;
  const total: FormulaBlock = {
    id: 'total',
    title: ganOnly
      ? `A plain GAN step (${s.variant === 'shared' ? 'the decoder is the generator' : 'separate generator'})`
      : `The VAEGAN step (${s.variant === 'shared' ? 'decoder = generator' : 'separate generator'})`,
    tex:
      phase1 +
      `\\\\[4pt] \\text{2: } \\min_\\psi\\ ${term('disc', '\\mathcal{L}_D')}` +
      `\\\\[4pt] ${phase3}`,
    text:
      (ganOnly
        ? 'Phase 1 is skipped: GAN only, the encoder does not train. '
        : `Phase 1 minimises L_rec plus beta times KL over the encoder phi and decoder theta, with beta = ${s.beta}. ` +
          (warmup > 0
            ? `With the KL warm-up, beta at step t is beta times the smaller of 1 and t over ${warmup}: ${+klWeightAt(s.beta, warmup, t).toPrecision(3)} at step ${t}. `
            : '') +
          (freeBits > 0
            ? `With free bits, the KL term is the sum over latent dimensions of the larger of lambda = ${freeBits} nats and that dimension's KL, averaged over the batch; the value shown is measured on test images. `
            : '')) +
      'Phase 2 minimises L_D over the discriminator psi. ' +
      (ganOnly
        ? `Phase 3 minimises L_G over ${genText} with its own learning rate; gamma is not used.`
        : s.gamma > 0
          ? `Phase 3 minimises L_G over ${genText} with a step of gamma times its learning rate, gamma = ${s.gamma}.`
          : 'Phase 3 is skipped because gamma is 0: the model is a plain VAE.') +
      (s.equilibriumGate ? ' The equilibrium gate may skip phase 2 or phase 3 in a step.' : ''),
    terms: [
      ...(ganOnly ? [] : (['rec', 'kl'] as TermId[])),
      'disc',
      ...(trainsG ? (['gen'] as TermId[]) : []),
    ],
  };

  return [elbo, discriminator, generator, total];
}

/** Networks and what moves them in each phase (the step diagram). */
export interface PhaseInfo {
  phase: 1 | 2 | 3;
  optimiser: string;
  loss: string;
  moves: ('encoder' | 'decoder' | 'generator' | 'discriminator')[];
}

export function phases(variant: Variant, gamma: number, ganOnly = false): PhaseInfo[] {
  const generator = variant === 'shared' ? 'decoder' : 'generator';
  return [
    ganOnly
      ? { phase: 1, optimiser: 'Adam η_VAE', loss: 'skipped (GAN only)', moves: [] }
      : { phase: 1, optimiser: 'Adam η_VAE', loss: 'L_rec + β·KL', moves: ['encoder', 'decoder'] },
    { phase: 2, optimiser: 'Adam η_D', loss: 'L_D', moves: ['discriminator'] },
    ganOnly
      ? { phase: 3, optimiser: 'Adam η_G', loss: 'L_G', moves: [generator] }
      : {
          phase: 3,
          optimiser: 'Adam γ·η_G',
          loss: gamma > 0 ? 'L_G' : 'skipped (γ = 0)',
          moves: gamma > 0 ? [generator] : [],
        },
  ];
}
