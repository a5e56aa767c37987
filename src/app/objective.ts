/**
 * The objective of the running model as formulas (TeX for KaTeX, plus plain-text alternatives),
 * with the live values the worker reports bound into them. Pure: no DOM, no KaTeX, so every
 * combination of settings is unit-tested.
 */
import type { AdversarialForm, Variant } from '../model/config';
import type { MetricName } from '../model/vaegan';

/** Reconstruction losses of ../shared/MODEL.md (the model trains `pixel` today). */
export type ReconstructionLoss = 'pixel' | 'feature' | 'mixed';

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
  const elboValue =
    live.reconstruction !== undefined && live.kl !== undefined
      ? -(live.reconstruction + live.kl)
      : undefined;
  const gen = s.variant === 'shared' ? 'p_\\theta' : 'G_\\vartheta';
  const genText = s.variant === 'shared' ? 'the decoder p-theta' : 'the generator G-vartheta';

  const elbo: FormulaBlock = {
    id: 'elbo',
    title: 'Evidence lower bound (nats per image)',
    tex:
      `\\log p(x) \\;\\ge\\; ${valued('elbo', '\\mathrm{ELBO}', elboValue)} = ` +
      `-${valued('rec', `\\mathcal{L}_{\\text{rec}}`, live.reconstruction)} ` +
      `- ${valued('kl', '\\mathrm{KL}\\big(q_\\phi(z\\mid x)\\,\\Vert\\,\\mathcal N(0,I)\\big)', live.kl)}` +
      `\\\\[4pt] \\mathcal{L}_{\\text{rec}} = ${rec.tex}, \\qquad ` +
      `\\mathrm{KL} = -\\tfrac12 \\textstyle\\sum_j \\big(1 + \\log\\sigma_j^2 - \\mu_j^2 - \\sigma_j^2\\big)`,
    text:
      `log p(x) is at least the ELBO, which is minus the reconstruction loss L_rec minus KL of q(z given x) from N(0, I). ` +
      `L_rec is ${rec.text}. The KL is minus one half times the sum over latent dimensions of 1 plus log sigma squared minus mu squared minus sigma squared.`,
    terms: ['elbo', 'rec', 'kl'],
  };

  const discriminator: FormulaBlock = {
    id: 'discriminator',
    title: 'Discriminator: real images against reconstructions and prior samples',
    tex:
      `${valued('disc', '\\mathcal{L}_D', live.discriminator)} = -\\Big[\\log D_\\psi(x) + ` +
      `\\tfrac12 \\log\\big(1 - D_\\psi(\\tilde x)\\big) + \\tfrac12 \\log\\big(1 - D_\\psi(x_p)\\big)\\Big]` +
      `\\\\[4pt] \\tilde x = p_\\theta(z),\\ z \\sim q_\\phi(z\\mid x); \\quad x_p = ${gen}(z_p),\\ z_p \\sim \\mathcal N(0, I)` +
      `\\\\[4pt] \\overline{D(x)} = ${formatValue(live.dReal)},\\quad \\overline{D(\\tilde x)} = ${formatValue(live.dRecon)},\\quad \\overline{D(x_p)} = ${formatValue(live.dPrior)}`,
    text:
      'L_D is minus the sum of log D(x), one half log of 1 minus D(x-tilde) and one half log of 1 minus D(x_p), ' +
      `where x-tilde is the reconstruction of x and x_p is ${genText} applied to prior noise.`,
    terms: ['disc'],
  };

  const nonSaturating = s.adversarialForm === 'non-saturating';
  const generator: FormulaBlock = {
    id: 'generator',
    title: nonSaturating
      ? 'Generator side: non-saturating form'
      : "Generator side: minimax form (the seed's)",
    tex: nonSaturating
      ? `${valued('gen', '\\mathcal{L}_G', live.generator)} = -\\Big[\\tfrac12 \\log D_\\psi(\\tilde x) + \\tfrac12 \\log D_\\psi(x_p)\\Big]`
      : `${valued('gen', '\\mathcal{L}_G', live.generator)} = \\tfrac12 \\log\\big(1 - D_\\psi(\\tilde x)\\big) + \\tfrac12 \\log\\big(1 - D_\\psi(x_p)\\big)`,
    text: nonSaturating
      ? 'L_G is minus the sum of one half log D(x-tilde) and one half log D(x_p): the generator side maximises the log-probability that D calls its images real.'
      : 'L_G is one half log of 1 minus D(x-tilde) plus one half log of 1 minus D(x_p): the generator side minimises the log-probability that D calls its images fake, as in the minimax game.',
    terms: ['gen'],
  };

  const beta = formatValue(s.beta);
  const gamma = formatValue(s.gamma);
  const phase3 =
    s.gamma > 0
      ? `\\text{3: } \\min_{${s.variant === 'shared' ? '\\theta' : '\\vartheta'}}\\ ${term('gen', '\\mathcal{L}_G')} \\ \\text{with step } \\gamma\\,\\eta_G,\\ \\gamma = ${gamma}`
      : `\\text{3: skipped } (\\gamma = 0)\\text{: a plain VAE}`;
  const total: FormulaBlock = {
    id: 'total',
    title: `The VAEGAN step (${s.variant === 'shared' ? 'decoder = generator' : 'separate generator'})`,
    tex:
      `\\text{1: } \\min_{\\phi,\\theta}\\ ${term('rec', '\\mathcal{L}_{\\text{rec}}')} + ` +
      `${term('kl', `\\beta\\,\\mathrm{KL}`)},\\ \\beta = ${beta}` +
      `\\\\[4pt] \\text{2: } \\min_\\psi\\ ${term('disc', '\\mathcal{L}_D')}` +
      `\\\\[4pt] ${phase3}`,
    text:
      `Phase 1 minimises L_rec plus beta times KL over the encoder phi and decoder theta, with beta = ${s.beta}. ` +
      'Phase 2 minimises L_D over the discriminator psi. ' +
      (s.gamma > 0
        ? `Phase 3 minimises L_G over ${genText} with a step of gamma times its learning rate, gamma = ${s.gamma}.`
        : 'Phase 3 is skipped because gamma is 0: the model is a plain VAE.'),
    terms: s.gamma > 0 ? ['rec', 'kl', 'disc', 'gen'] : ['rec', 'kl', 'disc'],
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

export function phases(variant: Variant, gamma: number): PhaseInfo[] {
  return [
    { phase: 1, optimiser: 'Adam η_VAE', loss: 'L_rec + β·KL', moves: ['encoder', 'decoder'] },
    { phase: 2, optimiser: 'Adam η_D', loss: 'L_D', moves: ['discriminator'] },
    {
      phase: 3,
      optimiser: 'Adam γ·η_G',
      loss: gamma > 0 ? 'L_G' : 'skipped (γ = 0)',
      moves: gamma > 0 ? [variant === 'shared' ? 'decoder' : 'generator'] : [],
    },
  ];
}
