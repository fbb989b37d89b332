// Forms: their fields, whether a key was typed into one, and the form that posts one
// action on an appeal and shows what went wrong.
import { html, useState } from "../vendor/htm-preact.js";
import { ProblemBox } from "./problem.js";
import { api } from "./api.js";

export function formData(event) {
  event.preventDefault();
  return Object.fromEntries(new FormData(event.currentTarget).entries());
}

export function typing(event) {
  const tag = (event.target.tagName || "").toLowerCase();
  return ["input", "textarea", "select"].includes(tag) || event.target.isContentEditable;
}

export const clean = (data) => Object.fromEntries(Object.entries(data).filter(([, v]) => v !== ""));

export function ActionForm({ id, legend, appealId, path, toBody, children, onDone, submitLabel }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    const data = formData(event);
    const form = event.currentTarget;
    setBusy(true);
    setError(null);
    try {
      const result = await api("POST", `appeals/${encodeURIComponent(appealId)}/${path}`, toBody(data, form));
      onDone(`${legend}：已完成`, result);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="action" id=${id} onSubmit=${submit} novalidate>
    <fieldset>
      <legend>${legend}</legend>
      ${children}
      <${ProblemBox} error=${error} />
      <button class="primary" type="submit" disabled=${busy}>${submitLabel || legend}</button>
    </fieldset>
  </form>`;
}
