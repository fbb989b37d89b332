// Data loaded for a view, and the location hash as the route.
import { useState, useEffect } from "../vendor/htm-preact.js";

export function useLoad(load, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load()
      .then((data) => live && setState({ data, error: null, loading: false }))
      .catch((error) => live && setState({ data: null, error, loading: false }));
    return () => { live = false; };
  }, [...deps, tick]);
  return [state, () => setTick((t) => t + 1)];
}

export function useHash() {
  const [hash, setHash] = useState(location.hash || "#/");
  useEffect(() => {
    const change = () => setHash(location.hash || "#/");
    addEventListener("hashchange", change);
    return () => removeEventListener("hashchange", change);
  }, []);
  return hash;
}

// The page's title and the main heading's focus on each view (a screen reader hears
// where it is; the keyboard starts from there).
export function useTitle(title) {
  useEffect(() => {
    document.title = `${title} · 民生诉求网上留言`;
    const heading = document.querySelector("main h1, main h2");
    if (heading && document.activeElement === document.body) {
      heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: true });
    }
  }, [title]);
}
