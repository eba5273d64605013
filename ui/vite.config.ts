import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [react()],
  // Keep Rust compiler output visible when `tauri dev` runs Vite in the same terminal.
  clearScreen: false,
  // Tauri's devUrl points at this fixed port; failing beats silently moving to another.
  server: { port: 1420, strictPort: true },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    // Each test starts with fresh call counts and un-spied globals (navigator.language).
    clearMocks: true,
    restoreMocks: true,
  },
});
