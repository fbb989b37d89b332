// The public API (see ../openapi.json), as the mobile app calls it: with the session's
// token when there is one, an Idempotency-Key on every POST (the caller's own when it must
// survive a reload), problems as errors.
import { Problem } from "./problem.js";
import { session, freshToken, signOut } from "./session.js";

const API = new URL("../", location.href).href;

export function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return "portal-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// ``options.key``: the Idempotency-Key to send; ``options.anonymous``: no token even when
// signed in (public figures and the public board).
export async function api(method, path, body, options = {}) {
  const headers = {};
  if (session && !options.anonymous) {
    let token;
    try {
      token = await freshToken();
    } catch (error) {
      await signOut();
      throw error;
    }
    headers.Authorization = `Bearer ${token}`;
  }
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method === "POST") headers["Idempotency-Key"] = options.key || newKey();
  let response;
  try {
    response = await fetch(API + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new Problem({ title: "网络不通，请检查网络后重试", status: 0 });
  }
  const data = await response.json().catch(() => null);
  if (response.status === 401 && session) {
    await signOut();
    throw new Problem(data || { title: "登录已失效", status: 401 });
  }
  if (!response.ok) throw new Problem(data || { title: "请求失败", status: response.status });
  return data;
}
