/**
 * The bigger-originals rules table on addresses in the shapes each host serves today (docs/decisions/0046):
 * a resized copy gives its full-size address, the full size itself (or anything else) gives none.
 */
import { describe, expect, it } from 'vitest';
import { biggerOriginal, isLargerThanGoogles } from '../../src/domain/bigger-original.ts';

const cases: Array<[string, string, string | null]> = [
  // Wikimedia Commons and a language wiki; a rendering of an SVG has no bigger photo; the original has no thumb.
  ['wikimedia', 'https://upload.wikimedia.org/wikipedia/commons/thumb/3/3f/Fronalpstock_big.jpg/800px-Fronalpstock_big.jpg', 'https://upload.wikimedia.org/wikipedia/commons/3/3f/Fronalpstock_big.jpg'],
  ['wikimedia', 'https://upload.wikimedia.org/wikipedia/en/thumb/7/7d/Lenna_%28test_image%29.png/220px-Lenna_%28test_image%29.png', 'https://upload.wikimedia.org/wikipedia/en/7/7d/Lenna_%28test_image%29.png'],
  ['wikimedia', 'https://upload.wikimedia.org/wikipedia/commons/thumb/a/a9/Example.jpg/lossy-page1-120px-Example.jpg', 'https://upload.wikimedia.org/wikipedia/commons/a/a9/Example.jpg'],
  ['wikimedia', 'https://upload.wikimedia.org/wikipedia/commons/thumb/8/84/Example.svg/600px-Example.svg.png', null],
  ['wikimedia', 'https://upload.wikimedia.org/wikipedia/commons/3/3f/Fronalpstock_big.jpg', null],
  // WordPress: -WxH before the extension, under wp-content/uploads (also through Jetpack's i0.wp.com).
  ['wordpress', 'https://www.nasa.gov/wp-content/uploads/2023/03/pia25440-1024x576.jpg', 'https://www.nasa.gov/wp-content/uploads/2023/03/pia25440.jpg'],
  ['wordpress', 'https://i0.wp.com/blog.example.net/wp-content/uploads/2019/07/IMG_2041-300x200.png', 'https://i0.wp.com/blog.example.net/wp-content/uploads/2019/07/IMG_2041.png'],
  ['wordpress', 'https://www.nasa.gov/wp-content/uploads/2023/03/pia25440.jpg', null],
  ['wordpress', 'https://cdn.example.com/photos/sunset-1024x768.jpg', null],
  // Pinterest's sized folders → /originals/.
  ['pinterest', 'https://i.pinimg.com/736x/0e/2d/5b/0e2d5b7d8d9b6f8f5b6c5b8e3e7f3a7c.jpg', 'https://i.pinimg.com/originals/0e/2d/5b/0e2d5b7d8d9b6f8f5b6c5b8e3e7f3a7c.jpg'],
  ['pinterest', 'https://i.pinimg.com/236x/a1/b2/c3/a1b2c3d4e5f60718293a4b5c6d7e8f90.jpg', 'https://i.pinimg.com/originals/a1/b2/c3/a1b2c3d4e5f60718293a4b5c6d7e8f90.jpg'],
  ['pinterest', 'https://i.pinimg.com/75x75_RS/a1/b2/c3/a1b2c3d4e5f60718293a4b5c6d7e8f90.jpg', 'https://i.pinimg.com/originals/a1/b2/c3/a1b2c3d4e5f60718293a4b5c6d7e8f90.jpg'],
  ['pinterest', 'https://i.pinimg.com/originals/0e/2d/5b/0e2d5b7d8d9b6f8f5b6c5b8e3e7f3a7c.jpg', null],
  // X/Twitter: name=orig, from the query form and the legacy :large form.
  ['twitter', 'https://pbs.twimg.com/media/FqPZ-ZaWYAEm0fQ?format=jpg&name=small', 'https://pbs.twimg.com/media/FqPZ-ZaWYAEm0fQ?format=jpg&name=orig'],
  ['twitter', 'https://pbs.twimg.com/media/DwXZ3gTU0AAp1rh.jpg:large', 'https://pbs.twimg.com/media/DwXZ3gTU0AAp1rh.jpg?name=orig'],
  ['twitter', 'https://pbs.twimg.com/media/FqPZ-ZaWYAEm0fQ?format=jpg&name=orig', null],
  ['twitter', 'https://pbs.twimg.com/profile_images/1683325380441128960/yRsRRjGO_400x400.jpg', null],
  // Blogger: /sNNN/ and /wNNN-hNNN/ folders, or =sNNN at the end → s0.
  ['blogger', 'https://blogger.googleusercontent.com/img/b/R29vZ2xl/AVvXsEiP3x9Q/s320/IMG_0001.JPG', 'https://blogger.googleusercontent.com/img/b/R29vZ2xl/AVvXsEiP3x9Q/s0/IMG_0001.JPG'],
  ['blogger', 'https://1.bp.blogspot.com/-Xz1Yq2w3E4r/X5t6Y7u8I9I/AAAAAAAABcd/aBcDeFgHiJk/w640-h480/photo.jpg', 'https://1.bp.blogspot.com/-Xz1Yq2w3E4r/X5t6Y7u8I9I/AAAAAAAABcd/aBcDeFgHiJk/s0/photo.jpg'],
  ['blogger', 'https://blogger.googleusercontent.com/img/a/AVvXsEgQ7zM1k=w400-h300', 'https://blogger.googleusercontent.com/img/a/AVvXsEgQ7zM1k=s0'],
  ['blogger', 'https://blogger.googleusercontent.com/img/b/R29vZ2xl/AVvXsEiP3x9Q/s0/IMG_0001.JPG', null],
  // Reddit previews → i.redd.it (also the newer "title-v0-id" names).
  ['reddit', 'https://preview.redd.it/8x2kq5h1z8ua1.jpg?width=640&crop=smart&auto=webp&s=0b4c7e1f2a', 'https://i.redd.it/8x2kq5h1z8ua1.jpg'],
  ['reddit', 'https://preview.redd.it/my-cat-at-night-v0-8x2kq5h1z8ua1.png?width=1080&format=png&auto=webp&s=ab12', 'https://i.redd.it/8x2kq5h1z8ua1.png'],
  ['reddit', 'https://external-preview.redd.it/AbCdEf.jpg?auto=webp&s=12', null],
];

describe('the bigger-originals rules', () => {
  it.each(cases)('%s: %s', (rule, url, bigger) => {
    expect(biggerOriginal(url)).toEqual(bigger === null ? null : { rule, url: bigger });
  });

  it('gives nothing for addresses no rule knows, or that are not http(s)', () => {
    for (const url of ['https://images.example/cat.jpg', 'data:image/png;base64,AAAA', 'not a url', 'ftp://upload.wikimedia.org/wikipedia/commons/thumb/3/3f/A.jpg/800px-A.jpg']) {
      expect(biggerOriginal(url)).toBeNull();
    }
  });

  it('larger means more pixels and no side smaller than Google’s; without Google’s size, never', () => {
    expect(isLargerThanGoogles({ width: 2000, height: 1500 }, { width: 800, height: 600 })).toBe(true);
    expect(isLargerThanGoogles({ width: 800, height: 600 }, { width: 800, height: 600 })).toBe(false);
    expect(isLargerThanGoogles({ width: 3000, height: 500 }, { width: 800, height: 600 })).toBe(false);
    expect(isLargerThanGoogles({ width: 2000, height: 1500 }, {})).toBe(false);
  });
});
