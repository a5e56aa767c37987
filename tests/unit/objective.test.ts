import katex from 'katex';
import { describe, expect, it } from 'vitest';
import {
  formatValue,
  modelMode,
  objectiveFormulas,
  phases,
  type ObjectiveSettings,
  type ReconstructionLoss,
} from '../../src/features/objective/client/objective';
import type { AdversarialForm, Variant } from '../../src/shared/config';

const base: ObjectiveSettings = {
  variant: 'shared',
  reconstruction: 'pixel',
  adversarialForm: 'non-saturating',
  beta: 1,
  gamma: 0.1,
};

const byId = (s: ObjectiveSettings, live = {}) =>
  Object.fromEntries(objectiveFormulas(s, live).map((b) => [b.id, b]));

/** KaTeX as the page runs it: \htmlData trusted, errors thrown rather than shown in red. */
const renders = (tex: string) =>
  katex.renderToString(tex, {
    throwOnError: true,
    strict: 'ignore',
    trust: (c) => c.command === '\\htmlData',
  });

describe('objectiveFormulas', () => {
  const variants: Variant[] = ['shared', 'separate'];
  const recons: ReconstructionLoss[] = ['pixel', 'feature', 'mixed'];
  const forms: AdversarialForm[] = ['non-saturating', 'minimax'];

  for (const variant of variants) {
    for (const reconstruction of recons) {
      for (const adversarialForm of forms) {
        it(`${variant} / ${reconstruction} / ${adversarialForm}: the right formula, valid TeX`, () => {
          const blocks = byId({ ...base, variant, reconstruction, adversarialForm });
          for (const b of Object.values(blocks)) {
            expect(() => renders(b.tex)).not.toThrow();
            expect(b.text.length).toBeGreaterThan(40);
          }
          const elbo = blocks.elbo!.tex;
          // The ELBO always uses the pixel BCE; the trained L_rec adds the Dis_l distance.
          expect(elbo).toContain('\\log \\tilde x_i');
          expect(elbo.includes('\\mathrm{Dis}_l')).toBe(reconstruction !== 'pixel');
          expect(elbo.includes('\\text{trained: }')).toBe(reconstruction !== 'pixel');
          // Generator side: the chosen adversarial form.
          const gen = blocks.generator!.tex;
          if (adversarialForm === 'non-saturating') {
            expect(gen).toMatch(/= -\\Big\[\\tfrac12 \\log D_\\psi\(\\tilde x\)/);
          } else {
            expect(gen).toMatch(/= \\tfrac12 \\log\\big\(1 - D_\\psi\(\\tilde x\)\\big\)/);
          }
          // Who makes the prior samples, and who phase 3 moves.
          const generatorSymbol = variant === 'shared' ? 'p_\\theta(z_p)' : 'G_\\vartheta(z_p)';
          expect(blocks.discriminator!.tex).toContain(`x_p = ${generatorSymbol}`);
          expect(blocks.total!.tex).toContain(
            variant === 'shared' ? '\\min_{\\theta}' : '\\min_{\\vartheta}',
          );
        });
      }
    }
  }

  it('the switches change the formulas: two-batch D, GAN only, the gate', () => {
    const two = byId({ ...base, reconstructionsInD: false });
    expect(two.discriminator!.tex).not.toContain('\\tilde x)\\big)');
    expect(two.discriminator!.tex).toContain('\\log\\big(1 - D_\\psi(x_p)\\big)\\Big]');
    expect(two.generator!.tex).toContain('-\\log D_\\psi(x_p)');
    expect(two.discriminator!.title).toMatch(/reconstructions left out/);
    const gan = byId({ ...base, ganOnly: true, gamma: 0 });
    expect(gan.total!.tex).toContain('\\text{1: skipped (GAN only)');
    // gamma = 0 does not stop a plain GAN: phase 3 still trains, with step eta_G.
    expect(gan.total!.tex).toContain('\\text{with step } \\eta_G');
    expect(gan.total!.terms).toEqual(['disc', 'gen']);
    expect(gan.discriminator!.title).toMatch(/plain GAN/);
    const gated = byId({ ...base, equilibriumGate: true });
    expect(gated.discriminator!.tex).toContain('\\text{gate: ');
    expect(byId(base).discriminator!.tex).not.toContain('\\text{gate: ');
    for (const b of [...Object.values(two), ...Object.values(gan), ...Object.values(gated)]) {
      expect(() => renders(b.tex)).not.toThrow();
    }
    expect(modelMode({ gamma: 0.1, ganOnly: false }).id).toBe('vaegan');
    expect(modelMode({ gamma: 0, ganOnly: false }).id).toBe('vae');
    expect(modelMode({ gamma: 0, ganOnly: true }).id).toBe('gan');
    expect(phases('shared', 0, true).map((p) => p.moves)).toEqual([
      [],
      ['discriminator'],
      ['decoder'],
    ]);
  });

  it('binds the values the worker reports under their terms', () => {
    const live = {
      reconstruction: 101.25,
      kl: 20.5,
      discriminator: 1.234567,
      generator: 0.75,
      dReal: 0.61,
      dRecon: 0.42,
      dPrior: 0.05,
    };
    const blocks = byId(base, live);
    expect(blocks.elbo!.tex).toContain('{\\mathcal{L}_{\\text{rec}}}_{101.3}');
    expect(blocks.elbo!.tex).toContain('_{20.5}');
    // ELBO = -(L_rec + KL)
    expect(blocks.elbo!.tex).toContain('{\\mathrm{ELBO}}_{-121.8}');
    expect(blocks.discriminator!.tex).toContain('{\\mathcal{L}_D}_{1.23}');
    expect(blocks.discriminator!.tex).toContain('\\overline{D(x)} = 0.61');
    expect(blocks.generator!.tex).toContain('{\\mathcal{L}_G}_{0.75}');
  });

  it('shows beta and gamma in force, and a skipped phase 3 at gamma = 0', () => {
    const on = byId({ ...base, beta: 2.5, gamma: 0.3 }).total!;
    expect(on.tex).toContain('\\beta = 2.5');
    expect(on.tex).toContain('\\gamma = 0.3');
    expect(on.terms).toContain('gen');
    const off = byId({ ...base, gamma: 0 }).total!;
    expect(off.tex).toContain('skipped');
    expect(off.terms).not.toContain('gen');
  });

  it('formats values for TeX, with a dash before the first step', () => {
    expect(formatValue(undefined)).toBe('\\text{–}');
    expect(formatValue(183.456)).toBe('183.5');
    expect(formatValue(0.000012)).toBe('1.20\\text{e}-5');
    expect(formatValue(Number.POSITIVE_INFINITY)).toBe('\\infty');
  });
});

describe('phases', () => {
  it('says which networks each optimiser moves', () => {
    expect(phases('shared', 0.1).map((p) => p.moves)).toEqual([
      ['encoder', 'decoder'],
      ['discriminator'],
      ['decoder'],
    ]);
    expect(phases('separate', 0.1)[2]!.moves).toEqual(['generator']);
    expect(phases('shared', 0)[2]!.moves).toEqual([]);
  });
});

describe('KL warm-up and free bits in the formulas', () => {
  it('shows the warmed-up beta with its value at the next step, and the warm-up once over', () => {
    const during = byId({ ...base, beta: 2, klWarmup: 100, nextStep: 25 }).total!;
    expect(during.tex).toContain('\\beta_t = \\beta \\min(1, t/N) = 0.5');
    expect(during.tex).toContain('t = 25');
    expect(during.text).toContain('0.5 at step 25');
    expect(() => renders(during.tex)).not.toThrow();
    const after = byId({ ...base, beta: 2, klWarmup: 100, nextStep: 400 }).total!;
    expect(after.tex).toContain('= 2');
    expect(after.tex).toContain('warm-up over');
    expect(byId(base).total!.tex).not.toContain('\\beta_t');
  });

  it('shows the free-bits sum with lambda and its live value', () => {
    const total = byId({ ...base, freeBits: 0.5, freeBitsValue: 12.25 }).total!;
    expect(total.tex).toContain('\\max(\\lambda, \\mathrm{KL}_j)');
    expect(total.tex).toContain('\\lambda = 0.5');
    expect(total.tex).toContain('_{12.3}');
    expect(total.text).toContain('lambda = 0.5');
    expect(() => renders(total.tex)).not.toThrow();
    expect(byId(base).total!.tex).not.toContain('\\lambda');
  });
});
