/**
 * The compiled step's own buffers for one model size and batch size, carved out of one block of
 * the memory: activations and gradients that never leave a step, the packed panels of B, the
 * column sums, the per-chunk partial sums and the task descriptors.
 */
import { packedLength } from '../codegen/tiles';
import { MAX_PARTIALS, TaskIssuer } from './tasks';

/** The sizes a workspace is made for (the MLP of src/model/networks.ts). */
export interface StepDims {
  /** Values per image (784 for MNIST). */
  pixels: number;
  hidden: number;
  latent: number;
  batch: number;
}

const round = (n: number, to: number) => Math.ceil(n / to) * to;

/** Floats of each buffer, by name. */
function sizes(d: StepDims) {
  const { pixels: P, hidden: H, latent: L, batch: B } = d;
  const products: [number, number][] = [
    [P, H], // x W1 (encoder, D), dhD W1^T
    [H, 2 * L],
    [L, H],
    [H, P],
    [2 * L, H],
    [3 * B, P],
    [3 * B, H],
    [3 * B, 2 * L],
  ];
  return {
    h: B * H,
    o: B * 2 * L,
    z: B * L,
    hd: B * H,
    logits: 2 * B * P,
    dl: B * P,
    dhd: 2 * B * H,
    dz: B * L,
    dout: B * 2 * L,
    dh: B * H,
    hD: 3 * B * H,
    dLogits: round(3 * B, 4),
    dLogit: round(3 * B, 4),
    dhD: 3 * B * H,
    colPartials: 16 * round(H, 4),
    gD2: round(H + 1, 4),
    dX: 2 * B * P,
    // Only for the levers measured unfused or without reuse (bench/step-engine.ts):
    gradient: Math.max(P * H, H * P, L * H, H * 2 * L),
    hidden2: 2 * B * H,
    images2: 2 * B * P,
    logits2: 2 * B * P,
    packed: Math.max(...products.map(([k, n]) => packedLength(k, n))),
    // Adam's A, the layer's input [rows x inputs] over up to 3 batches of rows.
    packedA: Math.max(packedLength(3 * B, P), packedLength(3 * B, H), packedLength(3 * B, 2 * L)),
    colsum: round(Math.max(P, H, 2 * L), 8),
    partials: MAX_PARTIALS,
    descriptors: round(TaskIssuer.descriptorBytes, 16) / 4,
    scratch: 16,
  };
}

export type Buffer = keyof ReturnType<typeof sizes>;

export class Workspace {
  /** Byte address of each buffer. */
  readonly at: Record<Buffer, number>;
  readonly bytes: number;
  /** What allocate() returned, for freeing the block. */
  readonly block: number;

  constructor(
    readonly dims: StepDims,
    allocate: (bytes: number) => number,
  ) {
    const s = sizes(dims);
    let offset = 0;
    const at = {} as Record<Buffer, number>;
    for (const name of Object.keys(s) as Buffer[]) {
      at[name] = offset;
      offset += round(s[name] * 4, 64); // cache lines of their own
    }
    this.bytes = offset;
    this.block = allocate(offset + 64);
    const base = round(this.block, 64);
    for (const name of Object.keys(at) as Buffer[]) at[name] += base;
    this.at = at;
  }

  /** Whether this workspace serves a model and batch of these sizes. */
  fits(d: StepDims): boolean {
    const mine = this.dims;
    return (
      mine.pixels === d.pixels &&
      mine.hidden === d.hidden &&
      mine.latent === d.latent &&
      mine.batch === d.batch
    );
  }
}
