/**
 * The held-out split of a built-in data set, loaded alone: the explorer and the quality worker
 * never train, so they fetch only the test images and labels (and the quality worker's
 * memorisation check, on demand, the training images without their labels).
 */
import { imageSize, type ImageShape } from './config';
import {
  dataFilesOf,
  type DatasetInfo,
  type FetchBytes,
  fetchDataFile,
  imageShapeOf,
  loadManifest,
} from './dataset';
import type { BuiltinDatasetId, DatasetId } from './settings';

export interface TestSet {
  id: DatasetId;
  info: DatasetInfo;
  image: ImageShape;
  count: number;
  images: Uint8Array;
  labels: Uint8Array;
}

/** Loads only the test images and labels of a data set (the explorer never trains). */
export async function loadTestSplit(
  id: BuiltinDatasetId,
  baseUrl: string,
  fetchBytes: FetchBytes,
): Promise<TestSet> {
  const manifest = await loadManifest(baseUrl, fetchBytes);
  const info = manifest.datasets.find((d) => d.id === id);
  if (!info) throw new Error(`Data set "${id}" is not in the manifest; run npm run datasets`);
  const files = dataFilesOf(info);
  const [images, labels] = await Promise.all([
    fetchDataFile(fetchBytes, baseUrl, files.testImages),
    fetchDataFile(fetchBytes, baseUrl, files.testLabels),
  ]);
  const count = info.test.count;
  const image = imageShapeOf(info);
  if (images.length !== count * imageSize(image) || labels.length !== count) {
    throw new Error(
      `${info.name} test files have the wrong size (${images.length} image bytes, ${labels.length} labels for ${count} images); run npm run datasets`,
    );
  }
  for (let i = 0; i < count; i++) {
    if (labels[i]! >= info.classes.length) {
      throw new Error(`${info.name} test label #${i} is out of range; run npm run datasets`);
    }
  }
  return { id, info, image, count, images, labels };
}

/**
 * Loads only the training images of a data set (the memorisation check compares samples with
 * them; it needs no labels). [count * pixels] bytes.
 */
export async function loadTrainImages(
  id: BuiltinDatasetId,
  baseUrl: string,
  fetchBytes: FetchBytes,
): Promise<{ count: number; image: ImageShape; images: Uint8Array }> {
  const manifest = await loadManifest(baseUrl, fetchBytes);
  const info = manifest.datasets.find((d) => d.id === id);
  if (!info) throw new Error(`Data set "${id}" is not in the manifest; run npm run datasets`);
  // Decompressed (the files are stored gzipped) and checked against the manifest's size.
  const images = await fetchDataFile(fetchBytes, baseUrl, dataFilesOf(info).trainImages);
  return { count: info.train.count, image: imageShapeOf(info), images };
}
