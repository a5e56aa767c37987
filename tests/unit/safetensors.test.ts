// The safetensors format as the app writes and reads it, with hand-made bytes: the header, the
// offsets, float16 both ways on known values, and every way a hostile file is refused; the
// PyTorch layouts' index arithmetic on small known cases; presets and the shipped-run manifest.
import { describe, expect, it } from 'vitest';
import {
  float16Bytes,
  floatToHalf,
  halfToFloat,
  looksLikeSafetensors,
  readSafetensors,
  SafetensorsError,
  toFloat32,
  writeSafetensors,
} from '../../src/features/run-archive/shared/safetensors';
import { chwFromHwc, networkLayouts } from '../../src/features/run-archive/shared/torch-layout';
import { parseRunFile } from '../../src/features/run-archive/shared/run-file';
import { PRESETS } from '../../src/shared/presets';
import {
  BUDGET_SETTING_KEYS,
  LIVE_SETTING_KEYS,
  RUN_SETTING_KEYS,
  settingProblem,
} from '../../src/shared/settings';
import { parsePretrainedManifest } from '../../src/features/warm-start/shared/pretrained';

/** A safetensors file from a header object and raw data, as a hostile writer might make it. */
function handMade(header: object, data: number[] = []): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('safetensors', () => {
  it('writes the header, offsets and little-endian data the format specifies', () => {
    const bytes = writeSafetensors(
      [
        {
          name: 'a',
          tensor: {
            dtype: 'F32',
            shape: [2],
            data: new Uint8Array(new Float32Array([1, -2]).buffer),
          },
        },
        {
          name: 'b',
          tensor: { dtype: 'I32', shape: [1, 1], data: new Uint8Array(new Int32Array([7]).buffer) },
        },
      ],
      { note: 'hi' },
    );
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header).toEqual({
      __metadata__: { note: 'hi' },
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'I32', shape: [1, 1], data_offsets: [8, 12] },
    });
    // 1.0f = 00 00 80 3f, -2.0f = 00 00 00 c0, 7 = 07 00 00 00
    expect([...bytes.subarray(8 + n)]).toEqual([0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0, 7, 0, 0, 0]);
    const back = readSafetensors(bytes);
    expect(back.metadata).toEqual({ note: 'hi' });
    expect([...toFloat32(back.tensors.get('a')!)]).toEqual([1, -2]);
    expect(back.tensors.get('b')!.shape).toEqual([1, 1]);
    expect(looksLikeSafetensors(bytes)).toBe(true);
  });

  it('refuses hostile files with a reason each', () => {
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array(4), /too short/],
      [handMade({ __metadata__: { note: 'a long enough header' } }).slice(0, 20), /truncated/],
      [new Uint8Array([...handMade({}).subarray(0, 8), 0x7b, 0x7d]).fill(0xff, 0, 8), /truncated/],
      [
        handMade(
          { x: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } },
          [0, 0, 0, 0, 0, 0, 0, 0],
        ),
        /dtype "F64"/,
      ],
      [
        handMade({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, [0, 0, 0, 0]),
        /needs 8 bytes, not 4/,
      ],
      [
        handMade({ x: { dtype: 'F32', shape: [1], data_offsets: [0, 8] } }, [0, 0, 0, 0]),
        /do not lie within/,
      ],
      [
        handMade({ x: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, [0, 0, 0, 0]),
        /not a list of whole numbers/,
      ],
      [
        handMade(
          {
            x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
            y: { dtype: 'F32', shape: [1], data_offsets: [2, 6] },
          },
          [0, 0, 0, 0, 0, 0],
        ),
        /overlaps/,
      ],
      [
        handMade(
          { x: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } },
          [0, 0, 0, 0, 0, 0, 0, 0],
        ),
        /gap/,
      ],
      [
        handMade({ x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, [0, 0, 0, 0, 9]),
        /1 bytes after its last tensor/,
      ],
      [handMade({ __metadata__: { n: 1 } }), /map names to strings/],
      [handMade([] as unknown as object), /not a JSON object/],
    ];
    for (const [bytes, message] of cases) {
      expect(() => readSafetensors(bytes), String(message)).toThrow(SafetensorsError);
      expect(() => readSafetensors(bytes)).toThrow(message);
    }
  });

  it('converts float16 exactly on known values, rounding to nearest even', () => {
    const known: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [65504, 0x7bff], // the largest half
      [65520, 0x7c00], // rounds up to infinity
      [2 ** -14, 0x0400], // the smallest normal
      [2 ** -24, 0x0001], // the smallest subnormal
      [2 ** -25, 0x0000], // a tie: to even, zero
      [3 * 2 ** -25, 0x0002], // a tie: to even, two
      [1 + 2 ** -11, 0x3c00], // a tie between 1 and the next: to even
      [1 + 3 * 2 ** -11, 0x3c02],
      [Infinity, 0x7c00],
      [-Infinity, 0xfc00],
    ];
    for (const [value, bits] of known) expect(floatToHalf(value), String(value)).toBe(bits);
    expect(halfToFloat(0x3555)).toBeCloseTo(0.333251953125, 12);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(Number.isNaN(halfToFloat(0x7e00))).toBe(true);
    expect(Number.isNaN(halfToFloat(floatToHalf(Number.NaN)))).toBe(true);
    // Every half survives the round trip through float32.
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00 && h & 0x3ff) continue; // NaNs
      expect(floatToHalf(halfToFloat(h))).toBe(h);
    }
    expect([...new Uint16Array(float16Bytes(new Float32Array([1, -2])).buffer)]).toEqual([
      0x3c00, 0xc000,
    ]);
  });
});

describe('PyTorch layouts', () => {
  it('orders channels-last positions channels-first', () => {
    // 1 x 2 pixels of 3 channels: HWC r0 g0 b0 r1 g1 b1 -> CHW r0 r1 g0 g1 b0 b1
    expect([...chwFromHwc(1, 2, 3)]).toEqual([0, 3, 1, 4, 2, 5]);
    expect([...chwFromHwc(2, 2, 1)]).toEqual([0, 1, 2, 3]);
  });

  it('turns a Dense kernel [in, out] into [out, in] and back', () => {
    const [kernel] = networkLayouts('discriminator', {
      architecture: 'mlp',
      latentDim: 2,
      hiddenUnits: 3,
      hiddenLayers: 1,
      image: { height: 1, width: 2, channels: 1 },
      convFilters: [1, 1],
    });
    expect(kernel!.tf).toBe('discriminator_hidden/kernel');
    expect(kernel!.torch).toBe('discriminator.hidden.weight');
    // tf [2, 3]: rows are inputs. torch [3, 2]: rows are outputs.
    const tf = new Float32Array([1, 2, 3, 4, 5, 6]);
    expect([...kernel!.toTorch(tf)]).toEqual([1, 4, 2, 5, 3, 6]);
    expect([...kernel!.toTf(kernel!.toTorch(tf))]).toEqual([...tf]);
  });

  it('turns conv kernels [kh, kw, in, out] into OIHW, and a colour MLP reads pixels channels-first', () => {
    const layouts = networkLayouts('encoder', {
      architecture: 'conv',
      latentDim: 1,
      hiddenUnits: 16,
      hiddenLayers: 1,
      image: { height: 4, width: 4, channels: 1 },
      convFilters: [2, 1],
    });
    const conv1 = layouts.find((l) => l.torch === 'encoder.conv1.weight')!;
    expect(conv1.tfShape).toEqual([5, 5, 1, 2]);
    expect(conv1.torchShape).toEqual([2, 1, 5, 5]);
    // tf index ((y * 5 + x) * 1 + i) * 2 + o; torch index ((o * 1 + i) * 5 + y) * 5 + x.
    const tf = Float32Array.from({ length: 50 }, (_, i) => i);
    const torch = conv1.toTorch(tf);
    expect(torch[(1 * 5 + 2) * 5 + 3]).toBe((2 * 5 + 3) * 2 + 1); // o = 1, y = 2, x = 3
    expect([...conv1.toTf(torch)]).toEqual([...tf]);
    const colour = networkLayouts('encoder', {
      architecture: 'mlp',
      latentDim: 1,
      hiddenUnits: 1,
      hiddenLayers: 1,
      image: { height: 1, width: 2, channels: 3 },
      convFilters: [1, 1],
    });
    // One hidden unit: torch's weight row is the tf column, read in CHW order.
    const kernel = colour[0]!.toTorch(new Float32Array([10, 11, 12, 20, 21, 22]));
    expect([...kernel]).toEqual([10, 20, 11, 21, 12, 22]);
  });

  it('tells a run zip from a run .safetensors file and refuses anything else by name', () => {
    expect(() => parseRunFile(new TextEncoder().encode('<html>'))).toThrow(
      'This file is not a zip archive or a .safetensors run.',
    );
    expect(() => parseRunFile(writeSafetensors([], { format: 'something-else' }))).toThrow(
      /was not written for VAEGAN Playground/,
    );
    expect(() => parseRunFile(new Uint8Array(0))).toThrow(/empty/);
  });
});

describe('presets and shipped runs', () => {
  it('every preset is valid by the settings table', () => {
    expect(PRESETS.map((p) => p.label)).toEqual([
      'Default',
      'Best likelihood (30 min)',
      'Sharp samples (VAEGAN)',
    ]);
    expect(new Set(PRESETS.map((p) => p.id)).size).toBe(PRESETS.length);
    for (const preset of PRESETS) {
      for (const key of RUN_SETTING_KEYS) {
        if (key === 'dataset') continue;
        expect(settingProblem(key, preset.settings[key]), `${preset.id} ${key}`).toBeNull();
      }
      for (const key of LIVE_SETTING_KEYS) {
        expect(settingProblem(key, preset.hyperparams[key]), `${preset.id} ${key}`).toBeNull();
      }
      for (const key of BUDGET_SETTING_KEYS) {
        expect(settingProblem(key, preset.budget[key]), `${preset.id} ${key}`).toBeNull();
      }
    }
  });

  it('reads the shipped-run manifest and drops entries it cannot trust', () => {
    const good = {
      dataset: 'mnist',
      file: 'mnist.safetensors',
      bytes: 100,
      settings: {
        dataset: 'mnist',
        architecture: 'mlp',
        variant: 'shared',
        latentDim: 16,
        hiddenUnits: 512,
        hiddenLayers: 1,
        batchSize: 64,
        seed: 1,
      },
      trained: { steps: 10 },
    };
    const parsed = parsePretrainedManifest({
      formatVersion: 1,
      runs: [good, { ...good, file: '../../etc/passwd' }, { ...good, dataset: 'cifar' }],
    });
    expect(parsed.runs).toHaveLength(1);
    expect(() => parsePretrainedManifest({ formatVersion: 2, runs: [] })).toThrow(
      /not one this app reads/,
    );
  });
});
