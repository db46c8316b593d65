/**
 * Compresses answers on the fly: JSON, text and SVG above a threshold, br or gzip by
 * Accept-Encoding. Request bodies are never decompressed (a small gzip body can inflate
 * to gigabytes). Routes opt out with `compress: false`: the SDK stream (its events must
 * not wait in a compressor) and the SDK snapshot (compressed once per revision); the UI's
 * assets arrive pre-compressed and pass through.
 */
import fp from 'fastify-plugin';
import compress from '@fastify/compress';
import { constants } from 'node:zlib';

/** Answers smaller than this go out as they are: a packet either way. */
export const COMPRESSION_THRESHOLD_BYTES = 1024;
/** Besides what mime-db marks compressible. */
const COMPRESSIBLE = /^(?:application\/(?:[\w.-]+\+)?(?:json|yaml|x-yaml)|text\/|image\/svg\+xml)/i;

export const compressionPlugin = fp(
  async (app) => {
    await app.register(compress, {
      global: true,
      globalDecompression: false,
      threshold: COMPRESSION_THRESHOLD_BYTES,
      encodings: ['br', 'gzip'],
      customTypes: COMPRESSIBLE,
      // Per request: a fast brotli level (the default best level costs far more CPU than it saves bytes here).
      brotliOptions: { params: { [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT, [constants.BROTLI_PARAM_QUALITY]: 4 } },
    });
  },
  { name: 'compression' },
);
