// What scripts/measure/perceptual-hash.mjs runs in Chromium: the worker's own decoder and comparison, bundled.
export { fingerprintImage } from '../../src/background/picture-decoder.ts';
export { colourDistance, comparePictures, hashDistance, isLarger, MAX_HASH_DISTANCE, MAX_MEAN_DIFFERENCE, MAX_SHAPE_RATIO } from '../../src/domain/perceptual-hash.ts';
