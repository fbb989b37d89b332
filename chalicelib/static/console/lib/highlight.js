// Search highlights are [start, end) offsets in characters of a plain text; the marks are
// elements built here around slices of that text, so nothing from the API is ever markup.
import { html } from "../vendor/htm-preact.js";

export function Marked({ text, matches }) {
  const chars = Array.from(text || "");
  const parts = [];
  let at = 0;
  for (const [start, end] of matches || []) {
    if (!(start >= at && end > start && end <= chars.length)) continue;
    if (start > at) parts.push(chars.slice(at, start).join(""));
    parts.push(html`<mark>${chars.slice(start, end).join("")}</mark>`);
    at = end;
  }
  if (at < chars.length) parts.push(chars.slice(at).join(""));
  return parts;
}
