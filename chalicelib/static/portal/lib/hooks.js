// Data loaded for a view and the location hash as the route (load.js, as the console has
// them), and the page's title.
import { useEffect } from "../vendor/htm-preact.js";
import { useLoad, useHash } from "./load.js";

export { useLoad, useHash };

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
