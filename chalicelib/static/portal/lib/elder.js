// The elder-friendly mode (适老化): larger type, stronger contrast, bigger targets; the
// citizen's choice is remembered on this device.
const KEY = "minsheng.portal.elder";

export function elderOn() {
  try {
    return localStorage.getItem(KEY) === "on";
  } catch {
    return false;
  }
}

export function applyElder(on) {
  document.documentElement.classList.toggle("elder", on);
  try {
    localStorage.setItem(KEY, on ? "on" : "off");
  } catch {
    // Private browsing without storage: the mode holds for this visit.
  }
}
