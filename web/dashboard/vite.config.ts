import { defineConfig } from "vite";

// Served by mcpgate server under /dashboard/; built into the binary (src/CMakeLists.txt).
export default defineConfig({
  base: "/dashboard/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    // The strict Content-Security-Policy allows no inline script: no module preload polyfill.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
});
