/**
 * The images the trainer can train on: the built-in sets, fetched by id from the folder the
 * page names (its manifest.json lists them), and the user's own images, decoded by the page's
 * import worker and handed over.
 */
import {
  type BuiltinDatasetId,
  type Dataset,
  type DatasetManifest,
  type FetchBytes,
  loadDataset,
  loadManifest,
} from '../../../shared/dataset';
import { checkUserDataset } from '../../image-import/shared/user-dataset';

export class TrainingData {
  /** Absolute URL of the folder holding manifest.json, e.g. "http://127.0.0.1:4173/datasets/". */
  baseUrl = '';
  private manifest: DatasetManifest | undefined;
  private userSet: Dataset | undefined;
  /** Downloads started ahead of their load (prefetch), by set. */
  private early = new Map<BuiltinDatasetId, { download: Promise<Dataset>; claim: () => void }>();

  constructor(
    private readonly fetchBytes: FetchBytes,
    /** Download progress of a set, 0 to 1, with a label for people. */
    private readonly onProgress: (fraction: number, label: string) => void,
  ) {}

  /** Whether the manifest was read, so the built-in sets can be loaded by name. */
  get opened(): boolean {
    return this.manifest !== undefined;
  }

  /** The user's own images, once the page handed them over. */
  get user(): Dataset | undefined {
    return this.userSet;
  }

  /** Reads the manifest of the built-in sets at `baseUrl`. */
  async readManifest() {
    this.manifest = await loadManifest(this.baseUrl, this.fetchBytes);
  }

  /**
   * Starts downloading a built-in set now (while the backend starts); the next load of it takes
   * this download over, with its progress from then on. A failure shows at that load.
   */
  prefetch(id: BuiltinDatasetId) {
    if (this.early.has(id)) return;
    const early = { claimed: false, fraction: 0, label: '' };
    const download = this.fetchSet(id, (fraction, label) => {
      Object.assign(early, { fraction, label });
      if (early.claimed) this.onProgress(fraction, label);
    });
    download.catch(() => undefined); // reported by the load that takes it
    this.early.set(id, {
      download,
      claim: () => {
        early.claimed = true;
        if (early.label) this.onProgress(early.fraction, early.label);
      },
    });
  }

  /** Fetches a built-in set, reporting progress as `label` (by default "Loading <its name>"). */
  async load(id: BuiltinDatasetId, label?: string): Promise<Dataset> {
    const early = this.early.get(id);
    // A set fetched ahead for nothing (the first model chose another) is let go.
    this.early.clear();
    if (early) {
      early.claim();
      return early.download;
    }
    return this.fetchSet(id, (fraction, text) => this.onProgress(fraction, label ?? text));
  }

  /** Downloads a set, reporting progress as "Loading <its name>". */
  private async fetchSet(
    id: BuiltinDatasetId,
    onProgress: (fraction: number, label: string) => void,
  ): Promise<Dataset> {
    if (!this.manifest) await this.readManifest();
    const label = `Loading ${this.manifest!.datasets.find((d) => d.id === id)?.name ?? id}`;
    return loadDataset(id, this.baseUrl, this.fetchBytes, (fraction) =>
      onProgress(fraction, label),
    );
  }

  /** Takes the user's own images (checked first) as the "user" set. */
  setUser(dataset: Dataset): { name: string; fingerprint: string } {
    checkUserDataset(dataset);
    this.userSet = dataset;
    return { name: dataset.info.name, fingerprint: dataset.info.fingerprint! };
  }

  /** Lets go of the user's images. */
  dispose() {
    this.userSet = undefined;
    this.early.clear();
  }
}
