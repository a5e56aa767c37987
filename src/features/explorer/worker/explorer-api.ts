/**
 * The latent explorer worker's API, exposed with comlink. The page derives its type from this
 * object (`ExplorerApi`) and imports it with `import type` only. Pixel buffers are moved with
 * Comlink.transfer, never copied.
 */
import * as Comlink from 'comlink';
import type { LatentPlane, PadRange } from '../../../shared/latent';
import type { DatasetInfo, FetchBytes } from '../../../shared/dataset';
import { Explorer } from './explorer';
import { interpolate } from './interpolate';
import { encodeDrawing, posteriorStats, traverse } from './inside';
import { decodePlane, discriminatorMap } from './plane-grids';
import type {
  ExplorerInit,
  InterpolationRequest,
  PlaneRequest,
  TestImageView,
  TraversalRequest,
} from '../shared/protocol';
import type { WeightsSnapshot } from '../../training/shared/protocol';

const viewBuffers = (v: TestImageView) => [v.input.pixels.buffer, v.recon.pixels.buffer];

/** Builds the API around one Explorer; `fetchBytes` is injectable so Node tests can serve files. */
export function createExplorerApi(deps: { fetchBytes: FetchBytes }) {
  const explorer = new Explorer(deps.fetchBytes);
  return {
    /** Starts a tfjs backend in this worker (wasm unless told otherwise). */
    init(request: ExplorerInit) {
      return explorer.init(request);
    },
    /** Replaces the encoder and decoder with a trainer snapshot. */
    loadWeights(snapshot: WeightsSnapshot) {
      return explorer.loadWeights(snapshot);
    },
    /** The test split of the user's own images, for snapshots of dataset "user". */
    setUserTestSet(info: DatasetInfo, images: Uint8Array, labels: Uint8Array) {
      explorer.setUserTestSet(info, images, labels);
    },
    /** One code -> one RGBA image (28 x 28 for MNIST). */
    async decode(z: Float32Array) {
      const result = await explorer.decode(z);
      return Comlink.transfer(result, [result.image.pixels.buffer]);
    },
    /** The plane as an n x n grid of decoded images over the pad's range. */
    async decodeGrid(plane: LatentPlane, range: PadRange, n: number) {
      const grid = await explorer.access((m) => decodePlane(m, plane, range, n));
      return Comlink.transfer(grid, [grid.pixels.buffer]);
    },
    /** The embedded test set on a plane, with the plane and the pad's range. */
    async scatter(request: PlaneRequest) {
      const result = await explorer.scatter(request);
      return Comlink.transfer(result, [result.coords.buffer, result.labels.buffer]);
    },
    async testImages(indices: number[]) {
      const result = await explorer.testImages(indices);
      return Comlink.transfer(result, result.images.flatMap(viewBuffers));
    },
    async interpolate(request: InterpolationRequest) {
      const result = await explorer.access((m) => interpolate(m, request));
      return Comlink.transfer(result, [
        result.strip.pixels.buffer,
        ...viewBuffers(result.a),
        ...viewBuffers(result.b),
      ]);
    },
    /** The KL of each latent dimension and the active units, over the embedded test images. */
    posterior() {
      return explorer.access(posteriorStats);
    },
    /** The drawing's image (copied: the page keeps it) encoded and reconstructed. */
    async encodeDrawing(image: Float32Array) {
      const view = await explorer.access((m) => encodeDrawing(m, image));
      return Comlink.transfer(view, [view.input.pixels.buffer, view.recon.pixels.buffer]);
    },
    /** Rows of decodings from -3 sigma to +3 sigma along latent dimensions or principal axes. */
    async traverse(request: TraversalRequest) {
      const result = await explorer.access((m) => traverse(m, request));
      return Comlink.transfer(result, [result.grid.pixels.buffer]);
    },
    /** D(Dec(z)) on an n x n grid over the pad's range of the plane. */
    async discriminatorMap(plane: LatentPlane, range: PadRange, n?: number) {
      const map = await explorer.access((m) => discriminatorMap(m, plane, range, n));
      return Comlink.transfer(map, [map.scores.buffer]);
    },
    dispose() {
      explorer.dispose();
    },
  };
}

export type ExplorerApi = ReturnType<typeof createExplorerApi>;
