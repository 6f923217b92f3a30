import { describe, expect, it } from 'vitest';
import { meetsSize, parseSizeFilter, sizeLabel, skipSmaller, typeFromAddress } from '../../src/domain/image-size.ts';

describe('sizes from Google’s data (issue 19)', () => {
  it('labels width × height, with the type the address names', () => {
    expect(sizeLabel({ imageUrl: 'https://i.natgeofe.com/n/5484/NationalGeographic_2572187_square.jpg', width: 3072, height: 3072 })).toBe('3072 × 3072 · JPG');
    expect(sizeLabel({ imageUrl: 'https://example.org/a.PNG?x=1', width: 800, height: 600 })).toBe('800 × 600 · PNG');
    expect(sizeLabel({ imageUrl: 'https://example.org/image?id=7', width: 800, height: 600 })).toBe('800 × 600');
    expect(sizeLabel({ imageUrl: 'https://example.org/a.jpg' })).toBeNull();
    expect(sizeLabel({ imageUrl: 'https://example.org/a.jpg', width: 0, height: 600 })).toBeNull();
  });

  it('knows image types only', () => {
    expect(typeFromAddress('https://example.org/a.webp')).toBe('WebP');
    expect(typeFromAddress('https://example.org/page.html')).toBeNull();
    expect(typeFromAddress('not a url')).toBeNull();
  });

  it('≥ N px means both sides; ≥ N MP means the pixel count; unknown sizes cannot tell', () => {
    const wide = { imageUrl: 'https://e.org/w.jpg', width: 2000, height: 400 };
    expect(meetsSize(wide, { value: 1000, unit: 'px' })).toBe(false);
    expect(meetsSize(wide, { value: 400, unit: 'px' })).toBe(true);
    expect(meetsSize(wide, { value: 0.8, unit: 'MP' })).toBe(true);
    expect(meetsSize(wide, { value: 0.81, unit: 'MP' })).toBe(false);
    expect(meetsSize({ imageUrl: 'https://e.org/u.jpg' }, { value: 1, unit: 'px' })).toBeNull();
  });

  it('skips only known sizes under the setting, keeps unknown ones, and 0 is off', () => {
    const images = [
      { imageUrl: 'https://e.org/1.jpg', width: 300, height: 300 },
      { imageUrl: 'https://e.org/2.jpg', width: 1200, height: 900 },
      { imageUrl: 'https://e.org/3.jpg' },
    ];
    const { kept, smaller } = skipSmaller(images, 400);
    expect(kept.map((image) => image.imageUrl)).toEqual(['https://e.org/2.jpg', 'https://e.org/3.jpg']);
    expect(smaller.map((image) => image.imageUrl)).toEqual(['https://e.org/1.jpg']);
    expect(skipSmaller(images, 0).kept).toHaveLength(3);
  });

  it('parses what a user types, refusing what is not a size', () => {
    expect(parseSizeFilter('1000', 'px')).toEqual({ value: 1000, unit: 'px' });
    expect(parseSizeFilter(' 2,5 ', 'MP')).toEqual({ value: 2.5, unit: 'MP' });
    for (const [value, unit] of [['', 'px'], ['0', 'px'], ['-3', 'px'], ['12.5', 'px'], ['abc', 'MP'], ['1e9', 'MP'], ['10', 'km']]) expect(parseSizeFilter(value as string, unit as string)).toBeNull();
  });
});
