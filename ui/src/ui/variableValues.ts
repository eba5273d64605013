import type { Values, Variable, VarValue } from "../ipc";

/**
 * What a variable form holds: text for every field a person types into
 * (numbers included, so "1." can be typed on the way to "1.5"), booleans
 * for checkboxes.
 */
export type FormValues = Partial<Record<string, string | boolean>>;

/** Why a field cannot be used as it is. */
export type FieldProblem = "required" | "number";

function toField(variable: Variable, value: VarValue | null | undefined): string | boolean {
  if (variable.type === "bool") return value === true;
  if (value === null || value === undefined || typeof value === "boolean") return "";
  return String(value);
}

/**
 * The form's starting values: each variable's default, or with `samples`
 * its sample first (the Templates page previews with realistic values;
 * the chat, story and translate pages start from defaults).
 */
export function initialFormValues(variables: readonly Variable[], samples: boolean): FormValues {
  return Object.fromEntries(
    variables.map((v) => [v.name, toField(v, samples ? (v.sample ?? v.default) : v.default)]),
  );
}

/**
 * Keeps what the person typed for variables that still exist (matched by
 * name) and starts new ones from their initial value, so editing the
 * template's front matter does not wipe the form.
 */
export function mergeFormValues(variables: readonly Variable[], previous: FormValues, samples: boolean): FormValues {
  const initial = initialFormValues(variables, samples);
  return Object.fromEntries(
    variables.map((v) => {
      const kept = previous[v.name];
      const fits = v.type === "bool" ? typeof kept === "boolean" : typeof kept === "string";
      return [v.name, fits ? kept : initial[v.name]];
    }),
  );
}

/**
 * The values to send to the core. Empty fields are left out, so the core
 * applies the variable's default (or reports a required one as missing).
 * A number that does not parse goes as typed, and the core says why.
 */
export function toValues(variables: readonly Variable[], form: FormValues): Values {
  const values: Values = {};
  for (const v of variables) {
    const field = form[v.name];
    if (typeof field === "boolean") {
      values[v.name] = field;
    } else if (field !== undefined && field.trim() !== "") {
      const number = Number(field.trim());
      values[v.name] = v.type === "number" && Number.isFinite(number) ? number : field;
    }
  }
  return values;
}

/** Problems to mark on fields before asking the core anything. */
export function fieldProblems(variables: readonly Variable[], form: FormValues): Partial<Record<string, FieldProblem>> {
  const problems: Partial<Record<string, FieldProblem>> = {};
  for (const v of variables) {
    const field = form[v.name];
    if (typeof field !== "string") continue;
    if (v.required && field.trim() === "") problems[v.name] = "required";
    else if (v.type === "number" && field.trim() !== "" && !Number.isFinite(Number(field.trim()))) {
      problems[v.name] = "number";
    }
  }
  return problems;
}
