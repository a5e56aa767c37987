import { useEffect, useState } from 'react';
import { phases, type PhaseInfo } from './objective';
import { useAppStore } from '../../../app/store';

type Net = PhaseInfo['moves'][number];

/** How long each phase stays lit while training: a step takes milliseconds, the eye needs more. */
const CYCLE_MS = 900;

interface Box {
  net: Net | null;
  label: string;
  x: number;
  y: number;
  w: number;
}

/**
 * The seed's three-phase step as a picture of the networks: the phase shown lights the networks
 * its optimiser moves. While training it cycles through the phases; the user can pin one.
 */
export function PhaseDiagram() {
  const status = useAppStore((s) => s.status);
  const variant = useAppStore((s) => s.running?.variant ?? 'shared');
  const gamma = useAppStore((s) => s.inForce?.hyperparams.gamma ?? s.hyperparams.gamma);
  const ganOnly = useAppStore((s) => s.inForce?.hyperparams.ganOnly ?? s.hyperparams.ganOnly);
  const [pinned, setPinned] = useState<1 | 2 | 3 | null>(null);
  const [cycle, setCycle] = useState<1 | 2 | 3>(1);
  const training = status === 'training';

  useEffect(() => {
    if (!training || pinned !== null) return;
    const timer = setInterval(() => setCycle((p) => ((p % 3) + 1) as 1 | 2 | 3), CYCLE_MS);
    return () => clearInterval(timer);
  }, [training, pinned]);

  const list = phases(variant, gamma, ganOnly);
  const shown = pinned ?? (training ? cycle : null);
  const active = list.find((p) => p.phase === shown);
  const lit = new Set<Net>(active?.moves ?? []);
  const shared = variant === 'shared';

  const boxes: Box[] = [
    { net: null, label: 'x', x: 8, y: 20, w: 34 },
    { net: 'encoder', label: 'Encoder q_φ', x: 62, y: 20, w: 100 },
    { net: null, label: 'z', x: 182, y: 20, w: 34 },
    { net: 'decoder', label: shared ? 'Decoder = G, p_θ' : 'Decoder p_θ', x: 236, y: 20, w: 128 },
    { net: null, label: 'x̃', x: 384, y: 20, w: 34 },
    { net: null, label: 'z_p ~ N(0,I)', x: 142, y: 92, w: 94 },
    {
      net: shared ? 'decoder' : 'generator',
      label: shared ? 'p_θ (shared)' : 'Generator G_ϑ',
      x: 256,
      y: 92,
      w: 108,
    },
    { net: null, label: 'x_p', x: 384, y: 92, w: 34 },
    { net: 'discriminator', label: 'Discriminator D_ψ', x: 446, y: 56, w: 130 },
  ];
  const arrows: [number, number, number, number][] = [
    [42, 36, 62, 36],
    [162, 36, 182, 36],
    [216, 36, 236, 36],
    [364, 36, 384, 36],
    [236, 108, 256, 108],
    [364, 108, 384, 108],
    [418, 36, 446, 66],
    [418, 108, 446, 82],
  ];

  return (
    <div className="phase-diagram">
      <div className="phase-tabs" role="radiogroup" aria-label="Show a phase of the training step">
        {list.map((p) => (
          <label
            key={p.phase}
            className={shown === p.phase ? 'phase-tab phase-tab--on' : 'phase-tab'}
          >
            <input
              type="radio"
              name="phase"
              checked={pinned === p.phase}
              onChange={() => setPinned(p.phase)}
            />
            Phase {p.phase}
          </label>
        ))}
        <label className="phase-tab">
          <input
            type="radio"
            name="phase"
            checked={pinned === null}
            onChange={() => setPinned(null)}
          />
          Follow training
        </label>
      </div>
      <svg
        viewBox="0 0 584 130"
        className="phase-svg"
        role="img"
        aria-label={
          active
            ? `Phase ${active.phase}: ${active.optimiser} minimises ${active.loss} and moves ${active.moves.join(' and ') || 'nothing'}`
            : 'The networks of the VAEGAN: encoder, decoder, generator and discriminator'
        }
        data-testid="phase-diagram"
        data-phase={shown ?? ''}
      >
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 8 8"
            refX="7"
            refY="4"
            markerWidth="6"
            markerHeight="6"
            orient="auto"
          >
            <path d="M0,0 L8,4 L0,8 z" fill="#64748b" />
          </marker>
        </defs>
        {arrows.map(([x1, y1, x2, y2], i) => (
          <line key={i} x1={x1} y1={y1} x2={x2} y2={y2} stroke="#64748b" markerEnd="url(#arrow)" />
        ))}
        {boxes.map((b) => {
          const on = b.net !== null && lit.has(b.net);
          return (
            <g key={b.label} className={on ? 'net net--on' : b.net ? 'net' : 'net net--data'}>
              <rect x={b.x} y={b.y} width={b.w} height={32} rx={b.net ? 6 : 16} />
              <text x={b.x + b.w / 2} y={b.y + 20} textAnchor="middle">
                {b.label}
              </text>
            </g>
          );
        })}
      </svg>
      <p className="phase-caption" data-testid="phase-caption">
        {active
          ? `Phase ${active.phase} · ${active.optimiser} · minimises ${active.loss} · moves ${active.moves.join(' and ') || 'nothing'}`
          : 'One step = phase 1 (encoder + decoder), phase 2 (discriminator), phase 3 (generator). Pick a phase, or train to see them in turn.'}
        {pinned === null && training && <span className="muted"> (cycling for display)</span>}
      </p>
    </div>
  );
}
