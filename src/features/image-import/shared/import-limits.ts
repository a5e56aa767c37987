/**
 * What one import of the user's images may cost, checked before the work is done: the bytes
 * of each file, the pixels of each picture (from its header, before decoding), the pixels
 * decoded at once and in all, the entries of a zip, and the time one decode may take. Past a
 * cap a file is skipped with a reason, or (the total) the rest is left out with a notice, so an
 * import always ends, with a message, whatever it was given.
 */

const MiB = 1024 * 1024;

/**
 * Bytes of one image file: a 50-megapixel camera's JPEG is about 25 MB and a PNG of a
 * 16-megapixel photo about 50 MB. The file is held while it decodes, a few at a time.
 */
export const MAX_IMAGE_FILE_BYTES = 64_000_000;

/**
 * Pixels of one picture as its header declares them: a 50-megapixel camera's (8,688 × 5,792).
 * The browser decodes a picture whole, 4 bytes a pixel: 200 MB at this cap. The set's images
 * are 28 × 28 or 32 × 32, so nothing larger is needed.
 */
export const MAX_IMAGE_PIXELS = 50_000_000;

/**
 * Pixels being decoded at once: a few small pictures together, a large one alone (one always
 * goes, up to MAX_IMAGE_PIXELS), so at most about 256 MB of decoded pixels are held at a time.
 */
export const MAX_PIXELS_IN_FLIGHT = 64_000_000;

/**
 * Pixels decoded in one import: 70,000 pictures of 256 × 256 (4.6 gigapixels) fit; the
 * browser decodes a few hundred megapixels a second, so this bounds an import at tens of
 * seconds, with a progress bar and a Cancel button meanwhile. Images past it are left out,
 * the last by path, as past the image cap.
 */
export const MAX_TOTAL_PIXELS = 5_000_000_000;

/**
 * Entries of one zip of images: CelebA's 202,599 pictures fit, with room. The directory is read
 * before any picture; at 46 bytes or more a record, this many is at least 46 MB of directory.
 */
export const MAX_ZIP_ENTRIES = 1_000_000;
/** The bytes of a zip's directory read into memory: a million records with 80-byte names. */
export const MAX_ZIP_DIRECTORY_BYTES = 128 * MiB;

/**
 * One picture's decode: the largest allowed decodes in about a second here; one that has not
 * finished in this long is skipped (a decoder stuck on a crafted file must not stall the rest).
 */
export const DECODE_TIMEOUT_MS = 20_000;

/** "64 MB", "1.2 GB", for the reasons shown beside skipped files. */
export function formatSize(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.round(bytes / 1e6)} MB`;
}

/** "30,000 × 30,000 pixels (900 megapixels)". */
export function describePixels(width: number, height: number): string {
  const mp = (width * height) / 1e6;
  const megapixels = mp >= 10 ? Math.round(mp).toLocaleString('en-US') : mp.toFixed(1);
  return `${width.toLocaleString('en-US')} × ${height.toLocaleString('en-US')} pixels (${megapixels} megapixels)`;
}
