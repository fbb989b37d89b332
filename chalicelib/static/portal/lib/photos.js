// Photos: shrunk in the browser (at most 1600 px on the long side, JPEG), then uploaded
// through the presigned form POST /uploads hands out; the key goes into the appeal.
import { api } from "./api.js";
import { Problem } from "./problem.js";

const LONG_SIDE = 1600;
const QUALITY = 0.82;

export async function shrink(file) {
  if (!/^image\//.test(file.type)) throw new Problem({ title: `${file.name} 不是图片` });
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new Problem({ title: `${file.name} 无法读取，请换一张照片` });
  }
  const scale = Math.min(1, LONG_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close && bitmap.close();
  const blob = await new Promise((done) => canvas.toBlob(done, "image/jpeg", QUALITY));
  if (!blob) throw new Problem({ title: `${file.name} 无法压缩，请换一张照片` });
  return blob;
}

export async function upload(blob) {
  const ticket = await api("POST", "uploads", { content_type: "image/jpeg", size: blob.size });
  const form = new FormData();
  for (const [name, value] of Object.entries(ticket.fields)) form.append(name, value);
  form.append("file", blob, "photo.jpg");
  let response;
  try {
    response = await fetch(ticket.url, { method: "POST", body: form });
  } catch {
    throw new Problem({ title: "照片上传失败，请检查网络后重试" });
  }
  if (!response.ok) throw new Problem({ title: "照片上传失败，请重试", status: response.status });
  return ticket.key;
}
