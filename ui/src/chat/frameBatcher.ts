// Streamed text arrives far faster than the screen can show it: collect it,
// and hand it to React at most once per animation frame.

export type StreamText = { text: string; reasoning: string };

export class FrameBatcher {
  private text = "";
  private reasoning = "";
  private scheduled = false;
  private readonly flush: (value: StreamText) => void;
  private readonly schedule: (callback: () => void) => void;

  constructor(
    flush: (value: StreamText) => void,
    schedule: (callback: () => void) => void = (callback) => requestAnimationFrame(callback),
  ) {
    this.flush = flush;
    this.schedule = schedule;
  }

  add(kind: "text" | "reasoning", more: string): void {
    if (kind === "text") this.text += more;
    else this.reasoning += more;
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => {
      this.scheduled = false;
      this.flush({ text: this.text, reasoning: this.reasoning });
    });
  }

  current(): StreamText {
    return { text: this.text, reasoning: this.reasoning };
  }
}
