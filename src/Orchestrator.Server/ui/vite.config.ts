/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// `npm run dev` serves the UI with hot reload and forwards the API to a running server
// (ORCHESTRATOR_URL, default the README's run command's address).
const server = process.env.ORCHESTRATOR_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    // Monaco (the designer's JSON view) is one lazy chunk of about 4 MB; the first page stays near 120 KB gzip.
    chunkSizeWarningLimit: 4500,
  },
  worker: { format: "es" },
  server: {
    proxy: {
      "/api": { target: server, changeOrigin: false },
      "/health": { target: server },
      "/openapi": { target: server },
    },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
