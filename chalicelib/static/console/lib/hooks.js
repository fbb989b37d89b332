// Hooks shared by the views: the clock, ticking, and data loaded for a view (load.js, as
// the portal loads its views' data).
import { useState, useEffect } from "../vendor/htm-preact.js";
import { useLoad, useHash } from "./load.js";

export { useLoad, useHash };

export function useNow(interval = 1000) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), interval);
    return () => clearInterval(timer);
  }, [interval]);
  return now;
}
