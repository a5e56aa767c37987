import { useAppStore } from '../../../app/store';
import { ImageCanvas } from './ImageCanvas';
import { SampleScores } from './SampleScores';

/** Reconstructions and prior samples, with the step they show (interpolation: LatentExplorer). */
export function ImagesPanel() {
  const step = useAppStore((s) => s.images?.step);
  return (
    <section className="panel images-panel" aria-labelledby="images-heading">
      <h2 id="images-heading">
        Pictures <span className="muted">{step === undefined ? '' : `at step ${step}`}</span>
      </h2>
      <div className="image-row">
        <figure data-tour="reconstructions">
          <ImageCanvas grid="reconstructions" label="Reconstructions" testId="reconstructions" />
          <figcaption>Test images beside their decodings Dec(μ(x))</figcaption>
        </figure>
        <figure data-tour="samples">
          <div className="samples-with-scores">
            <ImageCanvas grid="samples" label="Prior samples" testId="samples" />
            <SampleScores />
          </div>
          <figcaption>Samples G(z), z ~ N(0, I), each with D&apos;s score D(G(z))</figcaption>
        </figure>
      </div>
    </section>
  );
}
