import { useEffect, useRef } from 'react';
import { type RgbaPicture, toImageData } from './image-data';

interface Props {
  /** A picture of `cols` image cells across (written to data-cols for tests and tools). */
  grid: (RgbaPicture & { cols?: number }) | null | undefined;
  label: string;
  testId: string;
  className?: string;
  /** Training step the picture comes from, written to data-step for tests and tools. */
  step?: number | undefined;
}

/** A canvas that paints one picture from the explorer worker, pixel for pixel. */
export function GridCanvas({ grid, label, testId, className = '', step }: Props) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas || !grid) return;
    if (canvas.width !== grid.width) canvas.width = grid.width;
    if (canvas.height !== grid.height) canvas.height = grid.height;
    canvas.getContext('2d')?.putImageData(toImageData(grid), 0, 0);
  }, [grid]);
  return (
    <canvas
      ref={ref}
      className={`image-canvas ${className}`}
      role="img"
      aria-label={label}
      data-testid={testId}
      data-step={step}
      data-cols={grid?.cols}
      width={28}
      height={28}
    />
  );
}
