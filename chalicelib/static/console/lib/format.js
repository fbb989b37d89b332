// Times as the console writes them and rates as percentages.

export const when = (iso) => (iso ? iso.slice(0, 16).replace("T", " ") : "—");
export const pct = (value) => (value === null || value === undefined ? "—" : `${(value * 100).toFixed(1)}%`);
