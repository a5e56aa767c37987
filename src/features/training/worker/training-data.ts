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

  /** Fetches a built-in set, reporting progress as `label` (by default "Loading <its name>"). */
  async load(id: BuiltinDatasetId, label?: string): Promise<Dataset> {
    if (!label) {
      if (!this.manifest) await this.readManifest();
      label = `Loading ${this.manifest!.datasets.find((d) => d.id === id)?.name ?? id}`;
    }
    const text = label;
    return loadDataset(id, this.baseUrl, this.fetchBytes, (fraction) =>
      this.onProgress(fraction, text),
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
  }
}
