import { fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { describe, expect, it, vi } from "vitest";
import type { Variable } from "../ipc";
import { VariableForm } from "./VariableForm";
import { initialFormValues } from "./variableValues";
import type { FormValues } from "./variableValues";

const VARIABLES: Variable[] = [
  {
    name: "text",
    label: "Story so far",
    type: "long_text",
    default: null,
    required: true,
    help: "The story up to the cursor.",
    options: [],
    sample: null,
  },
  {
    name: "length",
    label: "How much",
    type: "choice",
    default: "double",
    required: false,
    help: "",
    options: [
      { value: "a_little", label: "A little" },
      { value: "double", label: "About twice as long" },
    ],
    sample: null,
  },
  { name: "words", label: "Words", type: "number", default: 250, required: false, help: "", options: [], sample: null },
  {
    name: "numbered",
    label: "Numbered segments",
    type: "bool",
    default: false,
    required: false,
    help: "",
    options: [],
    sample: null,
  },
];

function Harness({ onChange }: { onChange: (values: FormValues) => void }) {
  const [values, setValues] = useState(initialFormValues(VARIABLES, false));
  return (
    <VariableForm
      variables={VARIABLES}
      values={values}
      onChange={(next) => {
        setValues(next);
        onChange(next);
      }}
    />
  );
}

describe("VariableForm", () => {
  it("gives each variable a labelled control of its type", () => {
    render(<Harness onChange={vi.fn()} />);
    expect(screen.getByLabelText(/Story so far/).tagName).toBe("TEXTAREA");
    expect(screen.getByLabelText("How much").tagName).toBe("SELECT");
    expect(screen.getByRole("option", { name: "About twice as long" })).toBeTruthy();
    expect(screen.getByLabelText("Words").getAttribute("placeholder")).toBe("250");
    expect(screen.getByLabelText<HTMLInputElement>("Numbered segments").type).toBe("checkbox");
    expect(screen.getByText("The story up to the cursor.")).toBeTruthy();
  });

  it("marks a blank required field and clears the mark once filled", () => {
    render(<Harness onChange={vi.fn()} />);
    const text = screen.getByTestId("var-text");
    expect(text.getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByText("Fill this in.")).toBeTruthy();
    fireEvent.change(text, { target: { value: "Once" } });
    expect(text.getAttribute("aria-invalid")).toBeNull();
    expect(screen.queryByText("Fill this in.")).toBeNull();
  });

  it("reports every change with all the values", () => {
    const onChange = vi.fn();
    render(<Harness onChange={onChange} />);
    fireEvent.change(screen.getByTestId("var-length"), { target: { value: "a_little" } });
    fireEvent.click(screen.getByTestId("var-numbered"));
    expect(onChange).toHaveBeenLastCalledWith({ text: "", length: "a_little", words: "250", numbered: true });
    fireEvent.change(screen.getByTestId("var-words"), { target: { value: "many" } });
    expect(screen.getByText("Enter a number.")).toBeTruthy();
  });

  it("says so when there is nothing to fill in", () => {
    render(<VariableForm variables={[]} values={{}} onChange={vi.fn()} />);
    expect(screen.getByText("This template takes no values.")).toBeTruthy();
  });
});
