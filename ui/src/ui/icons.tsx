// Hand-drawn 24×24 stroke icons: no icon font or external file, so they work
// offline under the app's strict CSP and take the text colour via currentColor.
import type { ReactNode } from "react";

function Icon({ children }: { children: ReactNode }) {
  return (
    <svg
      className="icon"
      viewBox="0 0 24 24"
      width="20"
      height="20"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.75"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {children}
    </svg>
  );
}

export function ChatIcon() {
  return (
    <Icon>
      <path d="M5 4.5h14a2 2 0 0 1 2 2v8.5a2 2 0 0 1-2 2h-7.5L7 20.5V17H5a2 2 0 0 1-2-2V6.5a2 2 0 0 1 2-2z" />
      <path d="M8 9.5h8M8 12.5h5" />
    </Icon>
  );
}

export function StoryIcon() {
  return (
    <Icon>
      <path d="M12 6.5C10.3 5.2 7.8 4.7 3 5v13c4.8-.3 7.3.2 9 1.5 1.7-1.3 4.2-1.8 9-1.5V5c-4.8-.3-7.3.2-9 1.5z" />
      <path d="M12 6.5v13" />
    </Icon>
  );
}

export function TranslateIcon() {
  return (
    <Icon>
      <path d="M3.5 5.5h9M8 3.5v2" />
      <path d="M10.5 5.5c-.8 3.6-3 6.3-6.5 8" />
      <path d="M5.8 8.8c1 1.8 2.7 3.2 4.7 4" />
      <path d="M13 20.5l4-9 4 9M14.5 17.5h5" />
    </Icon>
  );
}

export function HistoryIcon() {
  return (
    <Icon>
      <path d="M3.5 12a8.5 8.5 0 1 0 2.5-6" />
      <path d="M3.5 3.5V8H8" />
      <path d="M12 7.5V12l3 2" />
    </Icon>
  );
}

export function TemplatesIcon() {
  return (
    <Icon>
      <path d="M8.5 4H7.5a2 2 0 0 0-2 2v3.5A2.5 2.5 0 0 1 3 12a2.5 2.5 0 0 1 2.5 2.5V18a2 2 0 0 0 2 2h1" />
      <path d="M15.5 4h1a2 2 0 0 1 2 2v3.5A2.5 2.5 0 0 0 21 12a2.5 2.5 0 0 0-2.5 2.5V18a2 2 0 0 1-2 2h-1" />
    </Icon>
  );
}

export function ModelsIcon() {
  return (
    <Icon>
      <rect x="6" y="6" width="12" height="12" rx="2" />
      <rect x="9.5" y="9.5" width="5" height="5" rx="1" />
      <path d="M9.5 3v3M14.5 3v3M9.5 18v3M14.5 18v3M3 9.5h3M3 14.5h3M18 9.5h3M18 14.5h3" />
    </Icon>
  );
}

export function SettingsIcon() {
  return (
    <Icon>
      <path d="M4 6.5h9M17 6.5h3M4 12h3M11 12h9M4 17.5h11M19 17.5h1" />
      <circle cx="15" cy="6.5" r="2" />
      <circle cx="9" cy="12" r="2" />
      <circle cx="17" cy="17.5" r="2" />
    </Icon>
  );
}

export function AlertIcon() {
  return (
    <Icon>
      <path d="M10.3 4.2 2.8 17.5A2 2 0 0 0 4.5 20.5h15a2 2 0 0 0 1.7-3L13.7 4.2a2 2 0 0 0-3.4 0z" />
      <path d="M12 9.5v4M12 17h.01" />
    </Icon>
  );
}

/** The app mark: a pen nib on an accent tile. Colours come from CSS. */
export function LogoMark() {
  return (
    <svg className="logo-mark" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false">
      <rect className="logo-mark-tile" width="24" height="24" rx="6" />
      <path
        className="logo-mark-nib"
        d="M12 4.8 16.6 11 12 19.2 7.4 11z"
        strokeWidth="1.6"
        strokeLinejoin="round"
      />
      <path className="logo-mark-nib" d="M12 12.4v6.3" strokeWidth="1.6" strokeLinecap="round" />
      <circle className="logo-mark-hole" cx="12" cy="11.3" r="1.3" />
    </svg>
  );
}
