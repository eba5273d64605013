// jsdom has no matchMedia. This fake answers the colour-scheme query from a
// switch the tests flip, and notifies listeners like a real OS change would.
const changes = new EventTarget();
let prefersDark = false;

export function setSystemPrefersDark(value: boolean): void {
  prefersDark = value;
  changes.dispatchEvent(new Event("change"));
}

export function installMatchMedia(): void {
  window.matchMedia = (media: string) =>
    ({
      media,
      get matches() {
        return media === "(prefers-color-scheme: dark)" && prefersDark;
      },
      onchange: null,
      addEventListener: changes.addEventListener.bind(changes),
      removeEventListener: changes.removeEventListener.bind(changes),
      dispatchEvent: changes.dispatchEvent.bind(changes),
    }) as unknown as MediaQueryList;
}
