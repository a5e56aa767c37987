import { useEffect, useMemo, useRef, useState } from 'react';
import { useAppStore, type AppState } from './store';
import { openTab, useViewStore } from './view';
import type { TabId } from './view-state';

/** Set once the tour is finished or skipped, so it does not come back. */
export const TOUR_STORAGE_KEY = 'vaegan-playground.tour';

interface TourStep {
  title: string;
  body: string;
  /** `data-tour` name of the element to point at. */
  target: string;
  /** The dashboard tab that holds it (none: the controls beside every tab). */
  tab?: TabId;
  /** The `hide=` name of what it points at: a link that hides it skips the step. */
  part?: string;
  /** The user's action that completes the step; without one, a Next button does. */
  done?: (s: AppState) => boolean;
}

const ALL_STEPS: TourStep[] = [
  {
    title: 'Start training',
    body: 'Press Train. The VAEGAN learns in a Web Worker, so this page stays responsive.',
    target: 'train',
    done: (s) => s.status === 'training',
  },
  {
    title: 'The curves',
    body: 'L_rec, the reconstruction error in nats, falls as the decoder learns; the KL rises while the encoder starts to use its latent space. Point at a curve name to find its term in the formulas.',
    target: 'curves',
    tab: 'training',
  },
  {
    title: 'Reconstructions',
    body: 'Each pair is a test image and its decoding Dec(μ(x)). They sharpen within a few hundred steps.',
    target: 'reconstructions',
    tab: 'training',
  },
  {
    title: 'Prior samples',
    body: 'These decode a fixed batch of noise z ~ N(0, I): the same 64 samples throughout, so you can follow one as it turns into a digit.',
    target: 'samples',
    tab: 'training',
  },
  {
    title: 'Turn β up',
    body: 'Drag the KL weight β above 3. The KL term gets more weight: the KL curve falls and the samples blur, as the code is squeezed towards the prior.',
    target: 'beta',
    part: 'beta',
    done: (s) => s.hyperparams.beta >= 3,
  },
  {
    title: 'Turn γ up',
    body: 'Set β back near 1, then drag the adversarial weight γ to 1 or more. The discriminator now pushes the decoder towards images it calls real: watch the samples sharpen and D(x̃) rise.',
    target: 'gamma',
    part: 'gamma',
    done: (s) => s.hyperparams.gamma >= 1,
  },
];

function storedDone(): boolean {
  try {
    return localStorage.getItem(TOUR_STORAGE_KEY) === 'done';
  } catch {
    return false; // storage blocked: show the tour, don't crash
  }
}

/** Scrolls smoothly unless the user asked for less motion. */
const scrollBehavior = (): ScrollBehavior =>
  window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth';

/**
 * A short guided first run: each step waits for the user's action, never for a timer, and
 * brings what it talks about into view (opening its tab first). A link's `hide=tour` leaves
 * the tour out, and `hide=` of a step's control skips that step.
 */
export function GuidedTour() {
  const [index, setIndex] = useState(0);
  const [finished, setFinished] = useState(storedDone);
  const hidden = useViewStore((s) => s.hidden);
  const STEPS = useMemo(
    () => ALL_STEPS.filter((s) => !s.part || !hidden.includes(s.part)),
    [hidden],
  );
  const step = STEPS[index];
  /** The tab that was open when the current step was shown. */
  const shownTab = useRef(useViewStore.getState().tab);

  const finish = () => {
    try {
      localStorage.setItem(TOUR_STORAGE_KEY, 'done');
    } catch {
      // the tour may come back next time; nothing else is lost
    }
    setFinished(true);
  };

  // Advance once the step's action is done; completion sticks even if the user moves on
  // (the γ step asks to bring β back down).
  useEffect(() => {
    const done = STEPS[index]?.done;
    if (finished || !done) return;
    return useAppStore.subscribe((state) => {
      if (done(state)) setIndex((i) => (i === index ? i + 1 : i));
    });
  }, [index, finished, STEPS]);

  // Point at the element the step talks about: open its tab, bring it into view, outline it.
  // A user who opened another tab during the previous step is left there (the outline shows
  // when they come back): the tour follows the user, not the other way round.
  useEffect(() => {
    if (finished || !step) return;
    const now = useViewStore.getState().tab;
    if (step.tab && now !== step.tab && now === shownTab.current) openTab(step.tab);
    shownTab.current = useViewStore.getState().tab;
    let el: Element | null = null;
    // After the tab's panel is shown (the next frame), so the element has a place to scroll to.
    const frame = requestAnimationFrame(() => {
      el = document.querySelector(`[data-tour="${step.target}"]`);
      el?.classList.add('tour-target');
      el?.scrollIntoView({ block: 'nearest', inline: 'nearest', behavior: scrollBehavior() });
    });
    return () => {
      cancelAnimationFrame(frame);
      el?.classList.remove('tour-target');
    };
  }, [finished, step]);

  if (finished || hidden.includes('tour')) return null;
  const last = index >= STEPS.length;
  return (
    <section className="tour" aria-labelledby="tour-title" data-testid="guided-tour">
      <div className="tour-text" aria-live="polite">
        <h2 id="tour-title">
          {last ? 'You have seen the whole loop' : step!.title}{' '}
          <span className="muted">
            {Math.min(index + 1, STEPS.length)} of {STEPS.length}
          </span>
        </h2>
        <p>
          {last
            ? 'Keep training, try Fashion-MNIST or the separate generator, or set γ to 0 for a plain VAE and compare.'
            : step!.body}
        </p>
      </div>
      <div className="tour-actions">
        {last ? (
          <button type="button" className="primary" onClick={finish}>
            Finish the tour
          </button>
        ) : (
          <>
            {!step!.done && (
              <button type="button" className="primary" onClick={() => setIndex(index + 1)}>
                Next
              </button>
            )}
            <button type="button" onClick={finish}>
              Skip the tour
            </button>
          </>
        )}
      </div>
    </section>
  );
}
