// The public API (see openapi.json beside the console): one call with the session's token
// (and an Idempotency-Key on every POST), and a list read page by page.
import { Problem } from "./problem.js";
import { freshToken, signOut, mfaRequired } from "./session.js";

const API = new URL("../", location.href).href;

function idempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return "console-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// ``contentType``: the body is sent as it is (a file), not as JSON.
export async function api(method, path, body, contentType) {
  let token;
  try {
    token = await freshToken();
  } catch (error) {
    signOut();
    throw error;
  }
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers["Content-Type"] = contentType || "application/json";
  if (method === "POST") headers["Idempotency-Key"] = idempotencyKey();
  const response = await fetch(API + path, {
    method,
    headers,
    body: body === undefined || contentType ? body : JSON.stringify(body),
  });
  const data = await response.json().catch(() => null);
  if (response.status === 401) {
    signOut();
    throw new Problem(data || { title: "登录已失效", status: 401 });
  }
  if (response.status === 403 && data && String(data.type).endsWith(":mfa-required")) mfaRequired();
  if (!response.ok) throw new Problem(data || { title: "请求失败", status: response.status });
  return data;
}

export async function all(path, pages = 5) {
  const items = [];
  let cursor = null;
  for (let i = 0; i < pages; i++) {
    const sep = path.includes("?") ? "&" : "?";
    const page = await api("GET", path + sep + "limit=100" + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""));
    items.push(...page.items);
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  return items;
}
