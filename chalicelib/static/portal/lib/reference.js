// The public category tree and departments, read once (no login needed).
import { api } from "./api.js";

export const reference = { categories: [], departments: [], loaded: null };

export function loadReference() {
  if (!reference.loaded) {
    reference.loaded = Promise.all([
      api("GET", "public/categories", undefined, { anonymous: true }),
      api("GET", "public/departments", undefined, { anonymous: true }),
    ]).then(([c, d]) => {
      reference.categories = c.items;
      reference.departments = d.items;
    }).catch((error) => {
      reference.loaded = null;
      throw error;
    });
  }
  return reference.loaded;
}

// [group, [categories]] in the order the tree gives them.
export function categoryGroups() {
  const groups = new Map();
  for (const c of reference.categories) {
    const name = c.group || "其他";
    if (!groups.has(name)) groups.set(name, []);
    groups.get(name).push(c);
  }
  return [...groups.entries()];
}

export const categoryName = (code) => (reference.categories.find((c) => c.code === code) || {}).name || (code ? code : "由平台中心分类");
export const departmentName = (id) => (reference.departments.find((d) => d.id === id) || {}).name || id || "—";
