import katex from 'katex';
import 'katex/dist/katex.min.css';
import { useMemo, useRef, type MouseEvent } from 'react';
import { objectiveFormulas, type FormulaBlock, type LiveValues, type TermId } from './objective';
import { useAppStore } from '../../../app/store';
import { useThrottledMetricsVersion } from '../../../app/use-throttled-version';
import { METRIC_NAMES } from '../../../shared/metrics';
import { PhaseDiagram } from './PhaseDiagram';
import { useExplorerStore } from '../../explorer/client/explorer-store';

const TERM_LABELS: Record<TermId, string> = {
  elbo: 'ELBO',
  rec: 'L_rec',
  kl: 'KL',
  disc: 'L_D',
  gen: 'L_G',
};

/** KaTeX with \htmlData allowed (and nothing else trusted): it tags the terms for highlighting. */
function render(tex: string): string {
  return katex.renderToString(tex, {
    displayMode: true,
    output: 'htmlAndMathml',
    throwOnError: false,
    strict: 'ignore',
    trust: (context) => context.command === '\\htmlData',
  });
}

function Formula({ block }: { block: FormulaBlock }) {
  const html = useMemo(() => render(block.tex), [block.tex]);
  return (
    <figure className="formula" data-formula={block.id}>
      <figcaption>{block.title}</figcaption>
      {/* KaTeX's MathML copy is what screen readers read; the text below says it in words. */}
      <div className="formula-body" dangerouslySetInnerHTML={{ __html: html }} />
      <p className="visually-hidden">{block.text}</p>
    </figure>
  );
}

/**
 * The objective of the running model, typeset, with the latest values under each term. Pointing
 * at a term highlights it here and on its curve; moving beta or gamma highlights what it scales.
 */
export function MathPanel() {
  const section = useRef<HTMLElement>(null);
  // Off screen, the formulas keep their values until they scroll into view.
  const version = useThrottledMetricsVersion(500, section);
  const series = useAppStore((s) => s.series);
  const running = useAppStore((s) => s.running);
  const inForce = useAppStore((s) => s.inForce);
  const requested = useAppStore((s) => s.hyperparams);
  const highlighted = useAppStore((s) => s.highlightedTerm);
  const highlightTerm = useAppStore((s) => s.highlightTerm);
  const step = useAppStore((s) => s.step);

  // The weights the worker confirmed, so the formula shows what the next step uses.
  const hp = inForce?.hyperparams ?? requested;
  // The warmed-up beta follows the step only while the warm-up lasts.
  const warmupStep = hp.klWarmup > 0 && step < hp.klWarmup ? step : 0;
  const blocks = useMemo(() => {
    // Read, not subscribed to: the free-bits value follows the curves' cadence (version), so a
    // formula out of view holds still while the explorer measures the posterior.
    const posterior = useExplorerStore.getState().posterior;
    const live: LiveValues = {};
    if (series.length > 0) {
      for (const name of METRIC_NAMES) live[name] = series.columns[name].at(-1);
    }
    return objectiveFormulas(
      {
        variant: running?.variant ?? 'shared',
        reconstruction: hp.reconstructionLoss,
        adversarialForm: hp.adversarialForm,
        beta: hp.beta,
        gamma: hp.gamma,
        reconstructionsInD: hp.reconstructionsInD,
        ganOnly: hp.ganOnly,
        equilibriumGate: hp.equilibriumGate,
        klWarmup: hp.klWarmup,
        freeBits: hp.freeBits,
        nextStep: (warmupStep || step) + 1,
        ...(posterior && hp.freeBits > 0
          ? { freeBitsValue: posterior.kl.reduce((sum, kl) => sum + Math.max(hp.freeBits, kl), 0) }
          : {}),
      },
      live,
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps -- series mutates; version tracks it
  }, [
    series,
    version,
    running?.variant,
    hp.adversarialForm,
    hp.beta,
    hp.gamma,
    hp.reconstructionLoss,
    hp.reconstructionsInD,
    hp.ganOnly,
    hp.equilibriumGate,
    hp.klWarmup,
    hp.freeBits,
    warmupStep,
  ]);

  const onPointer = (e: MouseEvent<HTMLDivElement>) => {
    const target = (e.target as HTMLElement).closest<HTMLElement>('[data-term]');
    const term = (target?.dataset.term as TermId | undefined) ?? null;
    if (term !== highlighted) highlightTerm(term);
  };

  return (
    <section ref={section} className="panel math-panel" aria-labelledby="math-heading">
      <h2 id="math-heading">
        The objective <span className="muted">with the latest values (nats per image)</span>
      </h2>
      <div className="term-chips" role="group" aria-label="Highlight a term">
        {(Object.keys(TERM_LABELS) as TermId[]).map((term) => (
          <button
            key={term}
            type="button"
            className={highlighted === term ? 'chip chip--on' : 'chip'}
            aria-pressed={highlighted === term}
            onClick={() => highlightTerm(highlighted === term ? null : term)}
          >
            {TERM_LABELS[term]}
          </button>
        ))}
      </div>
      <div
        className="formulas"
        data-testid="formulas"
        data-highlight={highlighted ?? ''}
        onMouseOver={onPointer}
        onMouseLeave={() => highlighted && highlightTerm(null)}
      >
        {blocks.map((block) => (
          <Formula key={block.id} block={block} />
        ))}
      </div>
      <PhaseDiagram />
    </section>
  );
}
