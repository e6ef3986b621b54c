import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';
import { modelsPlugin } from './tools/vite-models-plugin';

// Cross-origin isolation lets onnxruntime-web use wasm threads (SharedArrayBuffer).
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [vue(), modelsPlugin()],
  server: { headers: isolation },
  preview: { headers: isolation },
  // face-api and exifr are loaded lazily by the worker; pre-bundling them up front avoids Vite's
  // mid-session re-optimisation reload the first time a face is aligned.
  optimizeDeps: { exclude: ['onnxruntime-web'], include: ['@vladmandic/face-api', 'exifr'] },
  worker: { format: 'es' },
  build: { target: 'es2022' },
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    alias: { 'onnxruntime-web/wasm': 'onnxruntime-web' },
  },
});
