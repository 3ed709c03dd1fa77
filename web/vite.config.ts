import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The SDK is compiled from its sources, so the app never waits for the SDK's own build.
const sdkEntry = fileURLToPath(new URL("../clients/typescript/src/index.ts", import.meta.url));
const standIn = fileURLToPath(new URL("./src/sdk/standin.ts", import.meta.url));

// A node to develop against: `parley serve` listens on 8080 by default.
const node = process.env.PARLEY_NODE ?? "http://localhost:8080";

export default defineConfig({
  // Relative asset URLs: the node serves the app at `/`, and the bundle works from any base path.
  base: "./",
  esbuild: { jsx: "automatic" },
  resolve: {
    alias: { "@parley/client": existsSync(sdkEntry) ? sdkEntry : standIn },
  },
  server: {
    proxy: {
      "/api": { target: node, changeOrigin: true },
      "/v1/ws": { target: node, ws: true, changeOrigin: true },
    },
  },
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true },
  test: { environment: "node", include: ["test/**/*.test.ts"] },
});
