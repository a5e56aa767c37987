import { useAppStore } from '../../../app/store';
import './inside-charts.css';

/**
 * D's score under each prior sample: the discriminator's probability that the sample is real,
 * D(G(z)), laid over the 8 × 8 sample grid (the trainer computes it with the pictures, from the
 * same decoded samples). Also a list for screen readers, in the grid's order.
 */
export function SampleScores() {
  const scores = useAppStore((s) => s.images?.sampleScores);
  if (!scores || scores.length === 0) return null;
  return (
    <ol className="sample-scores" aria-label="D's score of each sample" data-testid="sample-scores">
      {scores.map((score, i) => (
        <li key={i} title={`Sample ${i + 1}: D(G(z)) = ${score.toFixed(3)}`}>
          {score.toFixed(2)}
        </li>
      ))}
    </ol>
  );
}
