// Departments and categories, read once per sign-in, and the names they go by.
import { all } from "./api.js";

export const reference = { departments: [], categories: [], loaded: null };

export function loadReference() {
  if (!reference.loaded) {
    reference.loaded = Promise.all([all("departments"), all("categories")]).then(([d, c]) => {
      reference.departments = d;
      reference.categories = c;
    }).catch((error) => {
      reference.loaded = null;
      throw error;
    });
  }
  return reference.loaded;
}

export const departmentName = (id) => (reference.departments.find((d) => d.id === id) || {}).name || id || "—";
export const categoryName = (code) => (reference.categories.find((c) => c.code === code) || {}).name || code || "未分类";
export const ownerName = (id) => (id === "center" ? "平台中心" : departmentName(id));
