import { type Hyperparams, LIVE_SETTINGS } from '../../../shared/settings';
import { klWeightAt } from '../../../shared/kl-schedule';
import { useAppStore } from '../../../app/store';
import { IndexField } from '../../../ui/IndexField';
import { formatNumber, LogSlider } from '../../../ui/LogSlider';

const WARMUP = LIVE_SETTINGS.klWarmup;
const FREE_BITS = LIVE_SETTINGS.freeBits;

interface Props {
  hp: Hyperparams;
  update: (patch: Partial<Hyperparams>) => void;
}

/**
 * The two objective options against posterior collapse, beside the KL weight: a KL warm-up
 * (β ramps up over N steps) and free bits (a floor λ per latent dimension). Each acts on the
 * next step, goes into the URL and into exported runs, and the formulas show it.
 */
export function KlOptions({ hp, update }: Props) {
  const inForce = useAppStore((s) => s.inForce);
  const step = useAppStore((s) => s.step);
  const confirmed = inForce?.hyperparams;
  const warming = hp.klWarmup > 0 && step < hp.klWarmup;
  return (
    <div className="kl-options" role="group" aria-label="Against posterior collapse">
      <IndexField
        label={WARMUP.label}
        value={hp.klWarmup}
        min={WARMUP.min}
        max={WARMUP.max}
        onValid={(klWarmup) => update({ klWarmup })}
      />
      <div className="in-force muted" data-testid={`in-force-${WARMUP.label}`}>
        {confirmed
          ? `${confirmed.klWarmup === hp.klWarmup ? '' : 'sending… '}in force: ${confirmed.klWarmup === 0 ? 'off' : `N = ${confirmed.klWarmup}`} from step ${inForce!.fromStep}`
          : 'not yet confirmed by the worker'}
        {warming &&
          ` · β at the next step: ${formatNumber(klWeightAt(hp.beta, hp.klWarmup, step + 1))}`}
      </div>
      <div className="hint muted">{WARMUP.help}</div>
      <LogSlider
        label={FREE_BITS.label}
        symbol="λ"
        value={hp.freeBits}
        min={FREE_BITS.slider.min}
        max={FREE_BITS.max}
        allowZero={FREE_BITS.slider.allowZero}
        onChange={(freeBits) => update({ freeBits })}
        inForce={confirmed ? { value: confirmed.freeBits, fromStep: inForce!.fromStep } : undefined}
        hint={FREE_BITS.help}
      />
    </div>
  );
}
