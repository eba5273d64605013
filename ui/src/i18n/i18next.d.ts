// Types every t("...") key against the English resources, so a typo or a
// missing key fails `tsc` instead of showing a raw key in the window.
import "i18next";
import type en from "./en.json";

declare module "i18next" {
  interface CustomTypeOptions {
    resources: { translation: typeof en };
  }
}
