// 我要留言: the form, with the knowledge base's best answers offered as the title is typed
// (自助解答: "this answered my question" counts a deflected appeal, and no appeal is
// needed). The draft and its Idempotency-Key are kept in sessionStorage, so a double click
// or a reload mid-submission files one appeal, not two. Errors show at the field the API
// names.
import { html, useState, useEffect, useRef } from "../vendor/htm-preact.js";
import { api, newKey } from "../lib/api.js";
import { ProblemBox, fieldErrors } from "../lib/problem.js";
import { KINDS } from "../lib/labels.js";
import { loadReference, categoryGroups } from "../lib/reference.js";
import { shrink, upload } from "../lib/photos.js";
import { session, claims, settings } from "../lib/session.js";
import { useTitle } from "../lib/hooks.js";

const DRAFT = "minsheng.portal.draft";
const TITLE_MAX = 100;
const CONTENT_MAX = 4000;

function readDraft() {
  try {
    return JSON.parse(sessionStorage.getItem(DRAFT) || "null");
  } catch {
    return null;
  }
}

function ownPhone() {
  const phone = session ? String(claims(session.idToken).phone_number || "") : "";
  return phone.replace(/^\+86/, "");
}

function blank() {
  return {
    kind: "consultation", category: "", title: "", content: "", address: "", position: null,
    name: "", phone: ownPhone(), is_public: "false", photos: [], key: null,
  };
}

function Suggestions({ title, category }) {
  const [found, setFound] = useState([]);
  const [helped, setHelped] = useState({});
  const [error, setError] = useState(null);
  useEffect(() => {
    const q = title.trim();
    if (q.length < 2) {
      setFound([]);
      return undefined;
    }
    const timer = setTimeout(() => {
      const extra = category ? `&category=${encodeURIComponent(category)}` : "";
      api("GET", `knowledge/search?q=${encodeURIComponent(q)}&limit=3${extra}`)
        .then((answer) => { setFound(answer.results || []); setError(null); })
        .catch(setError);
    }, 350);
    return () => clearTimeout(timer);
  }, [title, category]);
  const mark = async (id) => {
    try {
      await api("POST", `knowledge/articles/${encodeURIComponent(id)}/helpful`);
      setHelped((h) => ({ ...h, [id]: true }));
    } catch (e) {
      setError(e);
    }
  };
  if (!found.length && !error) return null;
  return html`<aside id="suggestions" class="suggestions" aria-labelledby="suggestions-title">
    <h2 id="suggestions-title">自助解答：这些答案也许能解决您的问题</h2>
    <${ProblemBox} error=${error} />
    <ul>
      ${found.map((a) => html`<li data-article=${a.id}>
        <details>
          <summary>${a.title}</summary>
          <p class="answer">${a.answer}</p>
        </details>
        ${helped[a.id]
          ? html`<p class="notice" role="status">感谢反馈！问题已解决，无需再留言。</p>`
          : html`<button type="button" class="secondary" onClick=${() => mark(a.id)}>这解答了我的问题</button>`}
      </li>`)}
    </ul>
  </aside>`;
}

function Hint({ id, error, children }) {
  return html`<p id=${id} class=${error ? "hint bad" : "hint"}>${error || children}</p>`;
}

export function AppealForm() {
  useTitle("我要留言");
  const [draft, setDraft] = useState(() => ({ ...blank(), ...(readDraft() || {}) }));
  const [groups, setGroups] = useState([]);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [locating, setLocating] = useState(null);
  const [previews, setPreviews] = useState({});
  const sending = useRef(false);
  // Fields changed since the API named them: their messages go.
  const [edited, setEdited] = useState([]);
  const fields = Object.fromEntries(Object.entries(fieldErrors(error)).filter(([f]) => !edited.includes(f)));
  const max = settings().max_photos || 9;

  useEffect(() => { loadReference().then(() => setGroups(categoryGroups())).catch(setError); }, []);
  useEffect(() => {
    // Photos are kept by key: a preview only for those picked since the page loaded.
    const { photos, ...rest } = draft;
    sessionStorage.setItem(DRAFT, JSON.stringify({ ...rest, photos: photos.filter((p) => p.key) }));
  }, [draft]);

  const FIELD = { address: "location", name: "contact", phone: "contact" };
  const set = (name) => (event) => {
    const value = event.currentTarget.value;
    setDraft((d) => ({ ...d, [name]: value, key: null }));
    setEdited((e) => [...e, FIELD[name] || name]);
  };

  const locate = () => {
    if (!navigator.geolocation) {
      setLocating("这个浏览器不能定位，请填写地址");
      return;
    }
    setLocating("正在定位……");
    navigator.geolocation.getCurrentPosition(
      (p) => {
        setDraft((d) => ({ ...d, position: { lat: +p.coords.latitude.toFixed(6), lng: +p.coords.longitude.toFixed(6) }, key: null }));
        setLocating(null);
      },
      () => setLocating("没有取得位置（可能未允许定位），请填写地址"),
      { enableHighAccuracy: true, timeout: 10000 },
    );
  };

  const addPhotos = async (event) => {
    const files = [...event.currentTarget.files].slice(0, max - draft.photos.length);
    event.currentTarget.value = "";
    for (const file of files) {
      const id = newKey();
      setDraft((d) => ({ ...d, photos: [...d.photos, { id, name: file.name, key: null }], key: null }));
      try {
        const blob = await shrink(file);
        setPreviews((p) => ({ ...p, [id]: URL.createObjectURL(blob) }));
        const key = await upload(blob);
        setDraft((d) => ({ ...d, photos: d.photos.map((p) => (p.id === id ? { ...p, key } : p)) }));
      } catch (e) {
        setDraft((d) => ({ ...d, photos: d.photos.filter((p) => p.id !== id) }));
        setError(e);
      }
    }
  };
  const removePhoto = (id) => setDraft((d) => ({ ...d, photos: d.photos.filter((p) => p.id !== id), key: null }));

  const body = () => {
    const reporting = draft.kind === "whistleblowing";
    const out = { kind: draft.kind, title: draft.title, content: draft.content, channel: "web", is_public: !reporting && draft.is_public === "true" };
    if (draft.category) out.category = draft.category;
    const address = draft.address.trim();
    if (draft.position) out.location = { ...draft.position, ...(address ? { address } : {}) };
    else if (address) out.content = `${draft.content}\n（地点：${address}）`;
    const contact = {};
    if (draft.name.trim()) contact.name = draft.name.trim();
    if (draft.phone.trim()) contact.phone = draft.phone.trim();
    if (Object.keys(contact).length) out.contact = contact;
    const media = draft.photos.filter((p) => p.key).map((p) => p.key);
    if (media.length) out.media = media;
    return out;
  };

  const submit = async (event) => {
    event.preventDefault();
    if (sending.current || draft.photos.some((p) => !p.key)) return;
    sending.current = true;
    setBusy(true);
    setError(null);
    setEdited([]);
    // One key per draft, written down before the request leaves: a second click, or the
    // same draft after a reload, repeats the first submission instead of filing another.
    const key = draft.key || newKey();
    sessionStorage.setItem(DRAFT, JSON.stringify({ ...draft, key }));
    setDraft((d) => ({ ...d, key }));
    try {
      const appeal = await api("POST", "appeals", body(), { key });
      sessionStorage.removeItem(DRAFT);
      location.hash = `#/mine/${encodeURIComponent(appeal.id)}?new=1`;
    } catch (e) {
      setError(e);
      const first = document.querySelector("#appeal-form [aria-invalid=true]");
      if (first) first.focus();
    } finally {
      sending.current = false;
      setBusy(false);
    }
  };

  if (!session) {
    return html`<main id="new-appeal" class="narrow">
      <h1>我要留言</h1>
      <p>留言需要先登录，以便承办单位联系您、您能查看答复并评价。</p>
      <p><a class="button primary" href="#/sign-in?next=%23%2Fnew">登录</a> <a class="button" href="#/sign-up?next=%23%2Fnew">用手机号注册</a></p>
    </main>`;
  }
  const kind = KINDS.find(([code]) => code === draft.kind) || KINDS[0];
  const bad = (name) => (fields[name] ? "true" : undefined);
  return html`<main id="new-appeal">
    <h1>我要留言</h1>
    <form id="appeal-form" onSubmit=${submit} novalidate>
      <div class="field">
        <label for="appeal-kind">诉求类型</label>
        <select id="appeal-kind" value=${draft.kind} onChange=${set("kind")} aria-describedby="appeal-kind-hint" aria-invalid=${bad("kind")}>
          ${KINDS.map(([code, name]) => html`<option value=${code}>${name}</option>`)}
        </select>
        <${Hint} id="appeal-kind-hint" error=${fields.kind}>${kind[1]}：${kind[2]}</${Hint}>
      </div>
      <div class="field">
        <label for="appeal-category">诉求类别</label>
        <select id="appeal-category" value=${draft.category} onChange=${set("category")} aria-describedby="appeal-category-hint" aria-invalid=${bad("category")}>
          <option value="">不确定，由平台中心分类</option>
          ${groups.map(([group, items]) => html`<optgroup label=${group}>${items.map((c) => html`<option value=${c.code}>${c.name}</option>`)}</optgroup>`)}
        </select>
        <${Hint} id="appeal-category-hint" error=${fields.category}>选对类别能更快派给承办单位；不确定时平台中心会帮您分类。</${Hint}>
      </div>
      <div class="field">
        <label for="appeal-title">标题</label>
        <input id="appeal-title" value=${draft.title} onInput=${set("title")} maxlength=${TITLE_MAX} required aria-describedby="appeal-title-hint" aria-invalid=${bad("title")} />
        <${Hint} id="appeal-title-hint" error=${fields.title}>一句话说明问题，${TITLE_MAX} 字以内（${draft.title.length}/${TITLE_MAX}）</${Hint}>
      </div>
      <${Suggestions} title=${draft.title} category=${draft.category} />
      <div class="field">
        <label for="appeal-content">诉求内容</label>
        <textarea id="appeal-content" rows="7" value=${draft.content} onInput=${set("content")} maxlength=${CONTENT_MAX} required aria-describedby="appeal-content-hint" aria-invalid=${bad("content")}></textarea>
        <${Hint} id="appeal-content-hint" error=${fields.content}>写清时间、地点、经过和您的诉求。已输入 <span class="count">${draft.content.length}</span>/${CONTENT_MAX} 字</${Hint}>
      </div>
      <fieldset class="field">
        <legend>地点</legend>
        <label for="appeal-address">地址</label>
        <input id="appeal-address" value=${draft.address} onInput=${set("address")} maxlength="200" autocomplete="street-address" aria-describedby="appeal-address-hint" aria-invalid=${bad("location")} />
        <div class="row">
          <button type="button" class="secondary" onClick=${locate}>使用我的位置</button>
          ${draft.position
            ? html`<span id="position" class="chip">已定位 ${draft.position.lat.toFixed(4)}, ${draft.position.lng.toFixed(4)} <button type="button" class="link" aria-label="取消定位" onClick=${() => setDraft((d) => ({ ...d, position: null, key: null }))}>×</button></span>`
            : null}
        </div>
        <${Hint} id="appeal-address-hint" error=${fields.location}>${locating || "定位需要您允许浏览器使用位置；不定位时，地址写在诉求内容末尾。"}</${Hint}>
      </fieldset>
      <fieldset class="field">
        <legend>照片（最多 ${max} 张）</legend>
        <label for="appeal-photos" class="button secondary">添加照片</label>
        <input id="appeal-photos" class="visually-hidden" type="file" accept="image/*" multiple onChange=${addPhotos} disabled=${draft.photos.length >= max} aria-describedby="appeal-photos-hint" />
        <ul class="photos">
          ${draft.photos.map((p, i) => html`<li data-photo=${p.key ? "uploaded" : "uploading"}>
            ${previews[p.id] ? html`<img src=${previews[p.id]} alt=${`照片 ${i + 1}`} />` : html`<span class="thumb">照片 ${i + 1}</span>`}
            <span class="small">${p.key ? "已上传" : "上传中……"}</span>
            <button type="button" class="link" aria-label=${`删除照片 ${i + 1}`} onClick=${() => removePhoto(p.id)}>删除</button>
          </li>`)}
        </ul>
        <${Hint} id="appeal-photos-hint" error=${fields.media}>照片会先在手机上压缩再上传，已上传 ${draft.photos.filter((p) => p.key).length} 张。</${Hint}>
      </fieldset>
      <fieldset class="field">
        <legend>联系方式</legend>
        <div class="pair">
          <div><label for="appeal-name">联系人</label>
          <input id="appeal-name" value=${draft.name} onInput=${set("name")} maxlength="50" autocomplete="name" aria-invalid=${bad("contact")} /></div>
          <div><label for="appeal-phone">联系电话</label>
          <input id="appeal-phone" type="tel" value=${draft.phone} onInput=${set("phone")} autocomplete="tel" aria-describedby="appeal-phone-hint" aria-invalid=${bad("contact")} /></div>
        </div>
        <${Hint} id="appeal-phone-hint" error=${fields.contact}>${draft.kind === "whistleblowing"
          ? "举报人信息只有平台中心能看到，承办单位看不到；不会公开。"
          : "只有平台中心和承办单位能看到，用于联系您办理；不会公开。"}</${Hint}>
      </fieldset>
      ${draft.kind === "whistleblowing" ? html`<p class="hint" id="appeal-public-hint">举报不公开：只有您和平台中心能看到举报人信息，承办单位只看到举报的内容和地点。</p>` : html`<fieldset class="field" aria-describedby="appeal-public-hint">
        <legend>是否公开</legend>
        <label class="choice"><input type="radio" name="is_public" value="false" checked=${draft.is_public !== "true"} onChange=${set("is_public")} /> 不公开：只有您、平台中心和承办单位能看到</label>
        <label class="choice"><input type="radio" name="is_public" value="true" checked=${draft.is_public === "true"} onChange=${set("is_public")} /> 公开：标题、内容和答复在“公开留言”展示，姓名、电话等个人信息会隐去，其他群众可以附议</label>
        <${Hint} id="appeal-public-hint" error=${fields.is_public}>内容里请不要写身份证号等个人信息；公开前平台会自动隐去姓名和电话号码。</${Hint}>
      </fieldset>`}
      ${Object.keys(fields).length || !(error && error.body && (error.body.errors || []).length)
        ? html`<${ProblemBox} error=${error} fields=${fieldErrors(error)} />` : null}
      <button class="primary wide" type="submit" disabled=${busy || draft.photos.some((p) => !p.key)}>${busy ? "正在提交……" : "提交"}</button>
    </form>
  </main>`;
}
