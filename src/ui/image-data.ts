/** An RGBA picture as the workers draw it: width * height * 4 bytes. */
export interface RgbaPicture {
  width: number;
  height: number;
  pixels: Uint8Array | Uint8ClampedArray;
}

/** RGBA pixels of a worker picture as ImageData (copied: the canvas keeps no reference). */
export function toImageData(picture: RgbaPicture): ImageData {
  return new ImageData(new Uint8ClampedArray(picture.pixels), picture.width, picture.height);
}
