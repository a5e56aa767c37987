import { useEffect, useRef } from 'react';
import { useAppStore } from '../../../app/store';
import type { ImagesUpdate } from '../shared/protocol';

type GridKey = Exclude<keyof ImagesUpdate, 'step' | 'sampleScores'>;

interface Props {
  grid: GridKey;
  label: string;
  testId: string;
}

/**
 * A canvas that paints one of the worker's pictures. It subscribes to the store directly, so a
 * new picture repaints this canvas without rendering any React component.
 */
export function ImageCanvas({ grid, label, testId }: Props) {
  const ref = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    const paint = (images: ImagesUpdate | null) => {
      const canvas = ref.current;
      if (!canvas || !images) return;
      const { width, height, pixels } = images[grid];
      if (canvas.width !== width) canvas.width = width;
      if (canvas.height !== height) canvas.height = height;
      canvas
        .getContext('2d')
        ?.putImageData(new ImageData(new Uint8ClampedArray(pixels), width, height), 0, 0);
      canvas.dataset.step = String(images.step);
    };
    paint(useAppStore.getState().images);
    return useAppStore.subscribe((state, previous) => {
      if (state.images !== previous.images) paint(state.images);
    });
  }, [grid]);

  return (
    <canvas
      ref={ref}
      className={`image-canvas image-canvas--${grid}`}
      role="img"
      aria-label={label}
      title={label}
      data-testid={testId}
      width={1}
      height={1}
    />
  );
}
