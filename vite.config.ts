import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';
// with its extension: Vite's native config loader (its future default) resolves no bare paths
import { modelsPlugin } from './tools/vite-models-plugin.ts';

// Cross-origin isolation lets onnxruntime-web use wasm threads (SharedArrayBuffer).
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [vue(), modelsPlugin()],
  server: { headers: isolation },
  preview: { headers: isolation },
  // The worker loads face-api, exifr and gifenc lazily, where Vite's dependency scan does not look: they
  // are pre-bundled up front, under the exact ids the code imports, or the first "Detect & align
  // face" in `npm start` re-optimises them and reloads every open tab.
  optimizeDeps: {
    exclude: ['onnxruntime-web'],
    include: ['@vladmandic/face-api/dist/face-api.esm.js', 'exifr', 'gifenc'],
  },
  worker: { format: 'es' },
  build: { target: 'es2022' },
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    alias: { 'onnxruntime-web/wasm': 'onnxruntime-web' },
  },
});
