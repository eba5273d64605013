import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";
import "../i18n";
import { installMatchMedia, setSystemPrefersDark } from "./matchMedia";

// Vitest runs without globals, so Testing Library cannot do its usual setup:
// declare an act() environment (React then flushes updates inside act and
// warns about stray ones) and unmount after each test.
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
afterEach(() => {
  cleanup();
  setSystemPrefersDark(false);
});

installMatchMedia();
