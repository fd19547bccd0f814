/* gradlab explore: the page. It only displays what the server computes and sends edits back;
   every number on the page comes from the server's JSON (docs/explore-contract.md). */
"use strict";

(function () {
  // ------------------------------------------------------------------ small helpers

  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const TOKEN = new URLSearchParams(window.location.search).get("token") || "";
  const MAX_BODY = 1024 * 1024;  // the server refuses bodies over 1 MiB
  const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
  const SUB = "₀₁₂₃₄₅₆₇₈₉";
  const SUP = "⁰¹²³⁴⁵⁶⁷⁸⁹";

  function clone(v) { return v === undefined ? undefined : JSON.parse(JSON.stringify(v)); }
  function sub(n) { return String(n).split("").map((c) => SUB[+c] || c).join(""); }
  function sup(n) { return "⁽" + String(n).split("").map((c) => SUP[+c] || c).join("") + "⁾"; }
  function cssEsc(s) { return (window.CSS && CSS.escape) ? CSS.escape(s) : String(s).replace(/["\\\]\[]/g, "\\$&"); }
  function el(tag, attrs, children) {
    const e = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === null || v === undefined || v === false) continue;
        if (k === "text") e.textContent = v;
        else if (k === "class") e.className = v;
        else if (k.startsWith("data-") || k.startsWith("aria-") || k === "for" || k === "role" || k === "spellcheck") e.setAttribute(k, v);
        else e[k] = v;
      }
    }
    for (const c of children || []) if (c) e.append(c);
    return e;
  }
  function debounce(fn, ms) {
    let t = 0;
    const d = function (...args) { clearTimeout(t); t = setTimeout(() => safe(fn)(...args), ms); };
    d.cancel = () => clearTimeout(t);
    return d;
  }
  // Wraps an event handler: no exception ever reaches the console.
  function safe(fn) {
    return function (...args) {
      try {
        const r = fn.apply(this, args);
        if (r && typeof r.catch === "function") r.catch((e) => internalError(e));
        return r;
      } catch (e) { internalError(e); return undefined; }
    };
  }
  function on(target, type, fn, opts) { if (target) target.addEventListener(type, safe(fn), opts); }
  // Text → number for the state when it is a plain decimal number; otherwise the text itself,
  // so that the server (which validates every parameter) says what is wrong beside the field.
  function parseNum(text) {
    const t = String(text).trim().replace(/\u2212/g, "-");
    return NUMBER.test(t) ? Number(t) : String(text);
  }
  function show(v) {  // a number of the state as the server sent it
    if (v === null || v === undefined) return "";
    return typeof v === "number" ? String(v) : String(v);
  }

  // ------------------------------------------------------------------ status and errors

  const status = { busy: 0, error: null, note: null };
  function setStatus(text, kind) {
    const s = $("#status");
    if (!s) return;
    s.textContent = text;
    s.className = "status " + (kind || "");
  }
  function refreshStatus() {
    if (status.error) setStatus(status.error, "error");
    else if (status.busy > 0) setStatus("computing…", "busy");
    else if (status.note) setStatus(status.note, "ok");
    else setStatus("ready", "ok");
  }
  // A short message ("link copied") shown for a moment instead of "ready".
  function note(text) {
    status.note = text;
    refreshStatus();
    clearTimeout(note.timer);
    note.timer = setTimeout(() => { status.note = null; refreshStatus(); }, 2500);
  }
  function busy(delta) { status.busy = Math.max(0, status.busy + delta); refreshStatus(); }
  function fail(message) { status.error = String(message || "something went wrong"); refreshStatus(); }
  function succeed() { status.error = null; refreshStatus(); }
  function internalError(e) {
    try { fail("page error: " + (e && e.message ? e.message : String(e))); } catch (_) { /* nothing */ }
  }
  window.addEventListener("error", (ev) => { ev.preventDefault(); internalError(ev.error || ev.message); });
  window.addEventListener("unhandledrejection", (ev) => { ev.preventDefault(); internalError(ev.reason); });

  function errorSpan(name) { return $(`.error[data-for="${cssEsc(name)}"]`); }
  function controlFor(name) {
    return $(`#params [data-name="${cssEsc(name)}"]`) || document.getElementById(name);
  }
  function setFieldError(name, message) {
    const span = errorSpan(name);
    if (!span) return false;
    span.textContent = message;
    const c = controlFor(name);
    if (c) { c.classList.add("invalid"); c.setAttribute("aria-invalid", "true"); }
    return true;
  }
  function clearErrors(scope) {
    for (const s of $$(".error", scope)) s.textContent = "";
    for (const c of $$(".invalid", scope)) { c.classList.remove("invalid"); c.removeAttribute("aria-invalid"); }
  }

  class ApiError extends Error {}

  // POST a JSON body with the session token; answers the parsed JSON ({ok: true|false, ...}).
  async function api(path, body) {
    const text = JSON.stringify(body || {});
    if (text.length > MAX_BODY) throw new ApiError("too large to send (the server takes at most 1 MiB)");
    let res;
    try {
      res = await fetch(path, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Gradlab-Token": TOKEN },
        body: text,
        cache: "no-store",
      });
    } catch (e) {
      throw new ApiError("the gradlab server cannot be reached (is `gradlab explore` still running?)");
    }
    if (res.status === 403) throw new ApiError("refused by the server: open the page with the link `gradlab explore` printed (its token)");
    if (res.status === 413) throw new ApiError("too large: the server takes at most 1 MiB");
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    if (!data || typeof data !== "object") throw new ApiError(`the server answered ${res.status} without JSON`);
    if (!res.ok && data.ok !== false) throw new ApiError(`the server answered ${res.status}`);
    if (data.ok === false && !Array.isArray(data.errors)) data.errors = [{ field: "", message: data.message || data.error || "refused" }];
    return data;
  }

  // ------------------------------------------------------------------ the application state

  const app = {
    meta: null,          // /api/examples
    state: null,         // the last good (normalised) state
    data: null,          // the last good /api/explain answer
    step: 0,
    seq: 0,              // /api/explain requests sent (only the newest answer is shown)
    eqIndexCache: null,  // see eqIndex()
    checkEntries: [],
    checkDirty: false,
    editT0: 0,           // when the first edit not yet shown was made (for the timings)
    explaining: 0,       // /api/explain requests in flight
    lastSend: 0,
    entryInfo: new Map(),// entry name -> entry of the sheet
    selected: null,      // the neuron/edge/entry whose derivation is shown
    paramSig: "",
    paramPaths: new Map(), // data-name -> path into the state
    checkSig: "",
    jumpFrom: null,
    lastEdited: null,
  };

  // ------------------------------------------------------------------ explain

  // Sends the state to /api/explain; resolves true when it was explained and shown.
  function explain(state, opts) {
    opts = opts || {};
    const seq = ++app.seq;
    const t0 = performance.now();
    app.explaining++;
    busy(+1);
    return api("/api/explain", { state: state }).then((res) => {
      if (seq !== app.seq) return false;  // a newer edit is on its way
      if (res.ok) {
        const t1 = performance.now();
        clearErrors(document.querySelector(".controls"));
        clearErrors($("#params"));
        apply(res, opts);
        succeed();
        // timings for benchmarks: request + answer, and the whole edit → rendered page (ms)
        const t2 = performance.now();
        document.body.dataset.fetchMs = (t1 - t0).toFixed(1);
        document.body.dataset.renderMs = (t2 - t0).toFixed(1);
        if (app.editT0) document.body.dataset.editMs = (t2 - app.editT0).toFixed(1);
        app.editT0 = 0;
        document.body.dataset.renders = String((+document.body.dataset.renders || 0) + 1);
        return true;
      }
      showErrors(res.errors, opts.origin);
      return false;
    }).catch((e) => {
      if (seq === app.seq) {
        if (opts.origin) setFieldError(opts.origin, e.message);
        fail(e.message);
      }
      return false;
    }).finally(() => { app.explaining--; busy(-1); });
  }

  // Where an error's field is shown: a param input (by data-name or by its path in the state), a control,
  // or else beside the field being edited.
  function fieldName(field) {
    if (!field) return null;
    const f = String(field).replace(/^state\./, "");
    const param = (n) => $(`#params [data-name="${cssEsc(n)}"]`);
    if (param(f)) return f;
    const byPath = $(`#params [data-path="${cssEsc(f)}"]`);
    if (byPath) return byPath.getAttribute("data-name");
    const direct = { lr: "lr", loss: "loss", layout: "layout", precision: "precision", reduction: "reduction",
      half: "half", "conventions.reduction": "reduction", "conventions.half": "half", conventions: "reduction",
      layers: "layers", example: "examples", data: "train-data", csv: "train-csv", activation: "activation",
      steps: "train-explain", step: "train-explain", session: "train-explain", format: "export" };
    if (direct[f]) return direct[f];
    const nLayers = app.state && Array.isArray(app.state.layers) ? app.state.layers.length : 0;
    let m = /^(?:activation|slope)\[(\d+)\]$/.exec(f);  // 1-based layer, as the page labels it
    if (m && !param(f)) return +m[1] === nLayers ? "output-activation" : "activation";
    m = /^layers\[(\d+)\]\.(activation|slope)/.exec(f);  // a path into the state: 0-based
    if (m) return +m[1] === nLayers - 1 ? "output-activation" : "activation";
    if (/^layers\b/.test(f)) return "layers";
    // a whole matrix, vector or the targets: beside its first field
    const first = $(`#params [data-name^="${cssEsc(f)}["]`) || (/^[xy]$/.test(f) ? $(`#params [data-name^="${f}"]`) : null);
    if (first) return first.getAttribute("data-name");
    return null;
  }

  // Edits that change the shape of the page (new layers, another example) show every error beside the control
  // that made them: the fields on the page still belong to the last good state.
  const STRUCTURAL = new Set(["layers", "activation", "output-activation", "loss", "examples", "train-explain"]);
  function showErrors(errors, origin) {
    const messages = [];
    const loose = [];
    for (const err of errors || []) {
      const message = (err && err.message) || "refused";
      const field = (err && err.field) || "";
      let name = fieldName(field);
      if (name && STRUCTURAL.has(origin) && name !== origin && $(`#params [data-name="${cssEsc(name)}"]`)) name = null;
      const full = (field && !name ? field + ": " : "") + message;
      if (name && setFieldError(name, message)) messages.push((field ? field + ": " : "") + message);
      else loose.push(full);
    }
    if (loose.length && origin) setFieldError(origin, loose.join(" "));
    fail([...messages, ...loose].join(" · ") || "refused");
  }

  function apply(res, opts) {
    app.data = res;
    app.state = res.state;
    const steps = Array.isArray(res.steps) ? res.steps : [];
    app.eqIndexCache = null;  // built when a derivation or a jump needs it
    app.entryInfo = new Map((res.entries || []).map((e) => [e.name, e]));
    renderControls(res);
    renderParams(res.state, !!opts.rebuild);
    renderNetwork(res.svg);
    renderValues(res.entries || []);
    if (opts.firstStep) app.step = 0;
    app.step = Math.max(0, Math.min(app.step, steps.length - 1));
    renderStep();
    renderGraph(res.graph_html);
    renderDerivation();
    app.checkEntries = res.entries || [];
    if (currentTab() === "check") renderCheck(app.checkEntries); else app.checkDirty = true;
    writeURL(res.state);
  }

  // entry name -> [{step, html}]: every scalar line (.eq[data-entry]) of every step
  function eqIndex() {
    if (app.eqIndexCache) return app.eqIndexCache;
    const index = new Map();
    const tpl = document.createElement("template");
    const steps = (app.data && app.data.steps) || [];
    steps.forEach((st, i) => {
      tpl.innerHTML = st.scalar_html || "";
      for (const eq of tpl.content.querySelectorAll(".eq[data-entry]")) {
        const name = eq.getAttribute("data-entry");
        if (!index.has(name)) index.set(name, []);
        index.get(name).push({ step: i, html: eq.outerHTML });
      }
    });
    app.eqIndexCache = index;
    return index;
  }

  // ------------------------------------------------------------------ controls (network and conventions)

  function setIfIdle(input, value) {
    if (!input || document.activeElement === input) return;
    if (input.type === "checkbox") input.checked = !!value;
    else if (input.value !== value) input.value = value;
  }
  function fillSelect(select, values, labels) {
    if (!select) return;
    const keep = select.value;
    select.replaceChildren(...values.map((v) => el("option", { value: v, text: (labels && labels[v]) || v })));
    if (values.includes(keep)) select.value = keep;
  }
  function ensureOption(select, value) {
    if (value && !$$("option", select).some((o) => o.value === value)) select.append(el("option", { value: value, text: value }));
  }

  function renderControls(res) {
    const s = res.state || {};
    const layers = s.layers || [];
    const sizes = (res.network && res.network.sizes) ||
      (layers.length ? [((layers[0].W || [])[0] || []).length].concat(layers.map((l) => (l.W || []).length)) : []);
    setIfIdle($("#layers"), sizes.join("-"));
    const hidden = layers.slice(0, -1);
    const act = $("#activation"), out = $("#output-activation");
    if (hidden.length) { ensureOption(act, hidden[0].activation); setIfIdle(act, hidden[0].activation); }
    act.disabled = hidden.length === 0;
    if (layers.length) { ensureOption(out, layers[layers.length - 1].activation); setIfIdle(out, layers[layers.length - 1].activation); }
    ensureOption($("#loss"), s.loss);
    setIfIdle($("#loss"), s.loss);
    setIfIdle($("#lr"), s.lr === null || s.lr === undefined ? "" : show(s.lr));
    setIfIdle($("#layout"), s.layout || "denominator");
    const conv = s.conventions || {};
    ensureOption($("#reduction"), conv.reduction || "mean");
    setIfIdle($("#reduction"), conv.reduction || "mean");
    setIfIdle($("#half"), !!conv.half);
    setIfIdle($("#precision"), s.precision === undefined ? "" : show(s.precision));
  }

  // The state as the page's fields say now (the last good state, every field's text on top).
  function collectState() {
    const s = clone(app.state) || {};
    for (const input of $$("#param-fields input.num")) {
      const path = app.paramPaths.get(input.getAttribute("data-name"));
      if (path) setPath(s, path, parseNum(input.value));
    }
    const lr = $("#lr").value.trim();
    s.lr = lr === "" ? null : parseNum(lr);
    s.loss = $("#loss").value || s.loss;
    s.layout = $("#layout").value || s.layout;
    s.conventions = Object.assign({}, s.conventions || {}, { reduction: $("#reduction").value, half: $("#half").checked });
    const p = $("#precision").value.trim();
    if (p !== "") s.precision = parseNum(p);
    return s;
  }
  function setPath(obj, path, value) {
    let o = obj;
    for (let i = 0; i < path.length - 1; i++) {
      if (o === null || typeof o !== "object") return;
      o = o[path[i]];
    }
    if (o !== null && typeof o === "object") o[path[path.length - 1]] = value;
  }

  function markCustom() {
    const ex = $("#examples");
    ensureOption(ex, "custom");
    const opt = $$("option", ex).find((o) => o.value === "custom");
    if (opt) opt.textContent = "(your own)";
    ex.value = "custom";
  }

  // Typing is sent 40 ms after the last keystroke (a number half typed is not explained); a choice in a
  // select or a checkbox at once.
  const reexplain = debounce((origin) => { send(origin); }, 40);  // a pause between keystrokes, not a wait
  function send(origin) {
    app.lastSend = performance.now();
    explain(collectState(), { origin: origin });
  }
  function edited(origin, immediate) {
    app.lastEdited = origin;
    app.editT0 = performance.now();  // the last edit: its re-render time is measured from here
    if (origin) { const sp = errorSpan(origin); if (sp) sp.textContent = ""; }
    if (immediate) { reexplain.cancel(); send(origin); return; }
    busy(+1);  // "computing…" at once; the debounced request takes over
    setTimeout(() => busy(-1), 50);
    reexplain(origin);
  }

  const DEFAULT_LIMIT = { max_params: 100000, max_width: 4096, max_layers: 64 };  // only to avoid building huge arrays; the server has its own
  function limits() { return Object.assign({}, DEFAULT_LIMIT, (app.meta && app.meta.limits) || {}); }

  // A new state for the widths typed in #layers: weights and biases that fit are kept, new ones get small
  // starting numbers (inputs, not results), x and y are resized.
  function applyLayers() {
    const text = $("#layers").value.trim();
    const parts = text.split(/\s*[-–,x×]\s*|\s+/).filter((p) => p !== "");
    const span = errorSpan("layers");
    if (span) span.textContent = "";
    $("#layers").classList.remove("invalid");
    if (parts.length < 2 || !parts.every((p) => /^\d+$/.test(p)) || parts.some((p) => +p < 1)) {
      setFieldError("layers", "Write the widths as numbers joined by dashes, input first: 1-2-3-1.");
      fail("layers: write the widths as 1-2-3-1");
      return;
    }
    const sizes = parts.map(Number);
    const lim = limits();
    let count = 0;
    for (let l = 1; l < sizes.length; l++) count += sizes[l] * sizes[l - 1] + sizes[l];
    const widest = Math.max(...sizes);
    if (widest > lim.max_width || count > lim.max_params || sizes.length - 1 > lim.max_layers) {
      const msg = `Too big to explain on a page: ${sizes.length - 1} layers, widest ${widest}, ` +
        `${count} parameters (at most ${lim.max_layers} layers, width ${lim.max_width}, ${lim.max_params} parameters).`;
      setFieldError("layers", msg);
      fail("layers: " + msg);
      return;
    }
    const old = collectState();
    const oldLayers = old.layers || [];
    const hiddenAct = $("#activation").value || (oldLayers[0] && oldLayers[0].activation) || "sigmoid";
    const outAct = $("#output-activation").value || (oldLayers.length ? oldLayers[oldLayers.length - 1].activation : "sigmoid");
    const L = sizes.length - 1;
    const layers = [];
    for (let l = 1; l <= L; l++) {
      const prev = oldLayers[l - 1] || {};
      const W = [];
      for (let j = 0; j < sizes[l]; j++) {
        const row = [];
        for (let i = 0; i < sizes[l - 1]; i++) {
          const keep = prev.W && prev.W[j] && prev.W[j][i];
          row.push(keep !== undefined && prev.W[j].length === sizes[l - 1] ? keep : defaultWeight(l, i, j));
        }
        W.push(row);
      }
      let b = null;
      if (!(prev.W && prev.b === null)) {
        b = [];
        for (let j = 0; j < sizes[l]; j++) b.push(prev.b && prev.b[j] !== undefined ? prev.b[j] : defaultBias(l, j));
      }
      const layer = { W: W, b: b, activation: l === L ? outAct : hiddenAct };
      const act = layer.activation;
      if (act === "leaky_relu") layer.slope = (prev.activation === "leaky_relu" && prev.slope !== undefined) ? prev.slope : 0.01;
      layers.push(layer);
    }
    const s = old;
    s.layers = layers;
    s.x = resizeInput(old.x, sizes[0]);
    s.y = resizeTarget(old.y, sizes[L], old.loss, Array.isArray(old.x) && Array.isArray(old.x[0]) ? old.x.length : null);
    markCustom();
    explain(s, { origin: "layers", rebuild: true });
  }
  function defaultWeight(l, i, j) { return [0.1, -0.2, 0.3, 0.2, -0.1][(i + 2 * j + l) % 5]; }
  function defaultBias(l, j) { return [0.1, 0.2, -0.1][(j + l) % 3]; }
  function resizeRow(row, n, fill) {
    const r = Array.isArray(row) ? row.slice(0, n) : [];
    while (r.length < n) r.push(fill);
    return r;
  }
  function resizeInput(x, n) {
    if (Array.isArray(x) && Array.isArray(x[0])) return x.map((row) => resizeRow(row, n, 1.0));
    return resizeRow(x, n, 1.0);
  }
  function resizeTarget(y, k, loss, m) {
    if (y === null || y === undefined) y = [];
    if (loss === "cross_entropy") {
      const fix = (c) => (typeof c === "number" && Number.isInteger(c) && c >= 0 && c < k ? c : 0);
      if (m !== null) return Array.isArray(y) && !Array.isArray(y[0]) && y.length === m ? y.map(fix) : new Array(m).fill(0);
      return Array.isArray(y) ? (y.length === 1 ? [fix(y[0])] : fix(y[0])) : fix(y);
    }
    if (m !== null) {
      if (k === 1) return Array.isArray(y) && y.length === m ? y.map((v) => (Array.isArray(v) ? v[0] : v)) : new Array(m).fill(0);
      return Array.from({ length: m }, (_, s) => resizeRow(Array.isArray(y) && Array.isArray(y[s]) ? y[s] : [], k, 0.0));
    }
    return resizeRow(Array.isArray(y) ? y : [y], k, 0.0);
  }

  function setActivations(which) {
    const s = collectState();
    const layers = s.layers || [];
    const value = which === "hidden" ? $("#activation").value : $("#output-activation").value;
    layers.forEach((layer, idx) => {
      const isOut = idx === layers.length - 1;
      if ((which === "hidden") === isOut) return;
      layer.activation = value;
      if (value === "leaky_relu") { if (layer.slope === undefined) layer.slope = 0.01; } else delete layer.slope;
    });
    markCustom();
    explain(s, { origin: which === "hidden" ? "activation" : "output-activation", rebuild: true });
  }

  // A loss change keeps the state explainable where it can: the output activation the loss needs and
  // targets of the loss's kind (class indices for cross-entropy).
  function setLoss() {
    const s = collectState();
    const before = app.state ? app.state.loss : null;
    const loss = $("#loss").value;
    const layers = s.layers || [];
    const out = layers[layers.length - 1];
    if (out) {
      if (loss === "bce" && !["sigmoid", "softmax"].includes(out.activation)) out.activation = "sigmoid";
      if ((loss === "bce_with_logits" || loss === "cross_entropy") && ["sigmoid", "softmax"].includes(out.activation)) out.activation = "identity";
      if (out.activation !== "leaky_relu") delete out.slope;
    }
    const k = out && out.W ? out.W.length : 1;
    const m = Array.isArray(s.x) && Array.isArray(s.x[0]) ? s.x.length : null;
    if ((loss === "cross_entropy") !== (before === "cross_entropy")) {
      s.y = loss === "cross_entropy" ? resizeTarget(null, k, loss, m) : resizeTarget(null, k, loss, m);
    }
    s.loss = loss;
    markCustom();
    explain(s, { origin: "loss", rebuild: true });
  }

  function loadExample(name) {
    const ex = app.meta && app.meta.examples && app.meta.examples[name];
    if (!ex) return Promise.resolve(false);
    $("#examples").value = name;
    app.selected = null;
    return explain(clone(ex), { origin: "examples", rebuild: true, firstStep: true });
  }

  // ------------------------------------------------------------------ #params

  function paramFields(state) {
    const groups = [];
    const layers = state.layers || [];
    layers.forEach((layer, li) => {
      const l = li + 1;
      const rows = [];
      (layer.W || []).forEach((row, j) => {
        const cells = [];
        if (Array.isArray(layer.b)) {
          cells.push({ name: `b[${l}][${j + 1}]`, path: ["layers", li, "b", j], jpath: `layers[${li}].b[${j}]`,
            value: layer.b[j], label: `b${sub(j + 1)}${sup(l)}`, title: `bias of neuron ${j + 1} in layer ${l}` });
        }
        (row || []).forEach((w, i) => {
          cells.push({ name: `W[${l}][${i + 1},${j + 1}]`, path: ["layers", li, "W", j, i], jpath: `layers[${li}].W[${j}][${i}]`,
            value: w, label: `w${sub(i + 1)}${sub(j + 1)}${sup(l)}`,
            title: `weight from input ${i + 1} to neuron ${j + 1} of layer ${l}` });
        });
        rows.push({ head: `neuron ${j + 1}`, cells: cells });
      });
      if (layer.activation === "leaky_relu" && layer.slope !== undefined) {
        rows.push({ head: "slope", cells: [{ name: `slope[${l}]`, path: ["layers", li, "slope"], jpath: `layers[${li}].slope`,
          value: layer.slope, label: `α${sup(l)}`, title: `leaky ReLU slope of layer ${l}` }] });
      }
      groups.push({ title: `Layer ${l} · ${layer.activation}${layer.b === null ? " · no bias" : ""}`, rows: rows });
    });
    groups.push({ title: "Input x", rows: dataRows(state.x, "x") });
    groups.push({ title: state.loss === "cross_entropy" ? "Target y (class index)" : "Target y", rows: dataRows(state.y, "y") });
    return groups;
  }
  function dataRows(v, key) {
    if (Array.isArray(v) && v.some(Array.isArray)) {
      return v.map((row, s) => ({ head: `sample ${s + 1}`, cells: (Array.isArray(row) ? row : [row]).map((val, i) => ({
        name: `${key}[${s + 1},${i + 1}]`, path: Array.isArray(row) ? [key, s, i] : [key, s], jpath: Array.isArray(row) ? `${key}[${s}][${i}]` : `${key}[${s}]`,
        value: val, label: `${key}${sub(i + 1)}`, title: `${key} ${i + 1} of sample ${s + 1}` })) }));
    }
    if (Array.isArray(v)) {
      return [{ head: "", cells: v.map((val, i) => ({ name: `${key}[${i + 1}]`, path: [key, i], jpath: `${key}[${i}]`, value: val,
        label: `${key}${sub(i + 1)}`, title: `${key} ${i + 1}` })) }];
    }
    return [{ head: "", cells: [{ name: `${key}[1]`, path: [key], jpath: key, value: v, label: key, title: key }] }];
  }

  function renderParams(state, rebuild) {
    const groups = paramFields(state);
    const cells = groups.flatMap((g) => g.rows.flatMap((r) => r.cells));
    const sig = groups.map((g) => g.title).join("|") + "#" + cells.map((c) => c.name).join(",");
    const box = $("#param-fields");
    if (rebuild || sig !== app.paramSig) {
      app.paramSig = sig;
      app.paramPaths = new Map(cells.map((c) => [c.name, c.path]));
      const nodes = groups.map((g, gi) => {
        const fs = el("fieldset", { class: "param-group" }, [el("legend", { text: g.title })]);
        for (const r of g.rows) {
          const line = el("div", { class: "param-row" });
          if (r.head) line.append(el("span", { class: "row-head", text: r.head }));
          for (const c of r.cells) {
            const id = "p-" + c.name.replace(/[^A-Za-z0-9]+/g, "-");
            const input = el("input", { type: "text", class: "num", id: id, "data-name": c.name, "data-path": c.jpath,
              value: show(c.value), inputMode: "decimal", spellcheck: "false", autocomplete: "off",
              "aria-label": `${c.label}: ${c.title}` });
            line.append(el("span", { class: "param" }, [
              el("label", { for: id, text: c.label, title: c.title }), input,
              el("span", { class: "error", "data-for": c.name, "aria-live": "polite" })]));
          }
          fs.append(line);
        }
        fs.dataset.group = String(gi);
        return fs;
      });
      box.replaceChildren(...nodes);
    } else {
      for (const c of cells) {
        const input = $(`input.num[data-name="${cssEsc(c.name)}"]`, box);
        if (input && !input.classList.contains("invalid")) setIfIdle(input, show(c.value));
      }
    }
  }

  // ------------------------------------------------------------------ network, values, steps, graph

  // Server HTML goes in as it is, less any <style> or <script> (a fragment's stylesheet would restyle the page).
  function setHTML(box, html) {
    const tpl = document.createElement("template");
    tpl.innerHTML = html || "";
    for (const n of tpl.content.querySelectorAll("style, script, link")) n.remove();
    box.replaceChildren(tpl.content);
  }

  function renderNetwork(svg) {
    const box = $("#network");
    setHTML(box, svg);
    for (const node of $$("[data-entry]", box)) {
      node.setAttribute("tabindex", "0");
      node.setAttribute("role", "button");
      const name = node.getAttribute("data-entry");
      const title = node.querySelector("title");
      node.setAttribute("aria-label", "derivation of " + (title ? title.textContent : name));
      if (name === app.selected) node.classList.add("selected");
    }
  }

  const KIND_GROUP = { z: "Forward", a: "Forward", p: "Forward", loss: "Forward", "dL/dy_hat": "Backward",
    delta: "Backward", da: "Backward", dW: "Gradients", db: "Gradients", W_new: "Update", b_new: "Update" };
  // The entry's text as the server wrote it; a server that sends only the float gets it shown at the state's
  // precision (display only: 12 significant digits, then the decimals asked for).
  function entryText(e) {
    if (e.text !== undefined && e.text !== null) return String(e.text);
    const v = e.value;
    if (typeof v !== "number") return show(v);
    if (!Number.isFinite(v)) return Number.isNaN(v) ? "nan" : (v > 0 ? "inf" : "-inf");
    const p = app.state && Number.isInteger(app.state.precision) ? app.state.precision : 4;
    const clean = Number(v.toPrecision(12));
    if (Math.abs(clean) >= 1e15) return clean.toExponential(Math.max(p, 1));
    const fixed = clean.toFixed(p);
    if (Number(fixed) === clean) {
      const s = String(clean);
      return p > 0 && !s.includes(".") && !s.includes("e") ? s + ".0" : s;
    }
    return /^-0(\.0*)?$/.test(fixed) ? fixed.slice(1) : fixed;
  }
  function renderValues(entries) {
    const box = $("#values");
    const groups = new Map();
    for (const e of entries) {
      const g = KIND_GROUP[e.kind] || (String(e.kind || "").includes("new") ? "Update" : "Other");
      if (!groups.has(g)) groups.set(g, []);
      groups.get(g).push(e);
    }
    const nodes = [];
    for (const [g, list] of groups) {
      nodes.push(el("h3", { text: g }));
      const dl = el("div", { class: "value-grid" });
      for (const e of list) {
        dl.append(el("button", { type: "button", class: "value-item", "data-select": e.name, title: `${e.name}: show its derivation` }, [
          el("span", { class: "value-label", text: e.label || e.name }),
          el("span", { class: "eqsign", text: " = " }),
          el("span", { class: "value", "data-entry": e.name, text: entryText(e) })]));
      }
      nodes.push(dl);
    }
    box.replaceChildren(...nodes);
  }

  function renderStep() {
    const steps = (app.data && app.data.steps) || [];
    const st = steps[app.step];
    const title = $("#step-title");
    if (!st) {
      title.textContent = "no steps";
      $("#scalar").replaceChildren();
      $("#matrix").replaceChildren();
      return;
    }
    title.textContent = st.title || st.id || `Step ${app.step + 1}`;
    $("#step-count").textContent = `Step ${app.step + 1} of ${steps.length}` + (st.phase ? ` · ${st.phase}` : "") +
      " · keys ← → (PageUp / PageDown)";
    setHTML($("#scalar"), st.scalar_html);
    const matrix = st.matrix_html || (app.data.matrix && st.matrix && app.data.matrix[st.matrix]);
    setHTML($("#matrix"), matrix || "<p class=\"hint\">No matrix form for this step.</p>");
    for (const eq of $$("#matrix [data-entry], #scalar .eq[data-entry]")) {
      eq.setAttribute("tabindex", "0");
      eq.classList.add("clickable");
    }
    $("#step-prev").setAttribute("aria-disabled", String(app.step === 0));
    $("#step-next").setAttribute("aria-disabled", String(app.step >= steps.length - 1));
    document.body.dataset.step = String(app.step);
  }
  function go(delta) {
    const steps = (app.data && app.data.steps) || [];
    const next = Math.max(0, Math.min(steps.length - 1, app.step + delta));
    if (next === app.step) return;
    app.step = next;
    hideJump();
    renderStep();
  }

  function renderGraph(html) { setHTML($("#graph"), html || "<p class=\"hint\">No graph view.</p>"); }

  // ------------------------------------------------------------------ derivations and jumps

  function derivationTarget(name) {
    const der = (app.data && app.data.derivations) || {};
    const known = (n) => Object.prototype.hasOwnProperty.call(der, n) || eqIndex().has(n);
    let m = /^a\[(\d+)\]\[(\d+(?:,\d+)?)\]$/.exec(name);
    const cands = [];
    if (m) {
      const [l, j] = [m[1], m[2]];
      if (l === "0") cands.push(`da[0][${j}]`);
      cands.push(`delta[${l}][${j}]`, `z[${l}][${j}]`, `delta[${l}][1,${j}]`, `z[${l}][1,${j}]`);
    }
    m = /^W\[(\d+)\]\[(\d+,\d+)\]$/.exec(name);
    if (m) cands.push(`dW[${m[1]}][${m[2]}]`);
    m = /^b\[(\d+)\]\[(\d+)\]$/.exec(name);
    if (m) cands.push(`db[${m[1]}][${m[2]}]`, `db[${m[1]}]`);
    m = /^x\[(\d+)\]$/.exec(name);
    if (m) cands.push(`da[0][${m[1]}]`, `da[0][1,${m[1]}]`);
    cands.push(name);
    return cands.find(known) || name;
  }

  function select(name) {
    app.selected = name;
    for (const n of $$("#network .selected")) n.classList.remove("selected");
    const node = $(`#network [data-entry="${cssEsc(name)}"]`);
    if (node) node.classList.add("selected");
    renderDerivation();
  }

  function renderDerivation() {
    const box = $("#derivation");
    if (!app.selected || !app.data) {
      box.replaceChildren(el("p", { class: "hint", text: "No neuron or weight selected." }));
      return;
    }
    const target = derivationTarget(app.selected);
    const chain = [target].concat(((app.data.derivations || {})[target]) || []);
    const seen = new Set();
    const info = app.entryInfo.get(target);
    const head = el("p", { class: "deriv-head" }, [
      document.createTextNode("Chain rule for "),
      el("strong", { text: (info && info.label) || target }),
      document.createTextNode(app.selected !== target ? ` (selected: ${app.selected})` : "")]);
    const list = el("ol", { class: "deriv-list" });
    const tpl = document.createElement("template");
    for (const name of chain) {
      if (seen.has(name)) continue;
      seen.add(name);
      const lines = eqIndex().get(name) || [];
      const li = el("li", { class: "deriv-item", "data-entry": name });
      if (lines.length) {
        for (const ln of lines) {
          tpl.innerHTML = ln.html;
          const eq = tpl.content.firstElementChild;
          const stepTitle = ((app.data.steps || [])[ln.step] || {}).title || `step ${ln.step + 1}`;
          li.append(el("button", { type: "button", class: "link goto", "data-goto": name, "data-step": String(ln.step),
            text: stepTitle, title: "Show this line in its step" }));
          if (eq) li.append(eq);
        }
      } else {
        const e = app.entryInfo.get(name);
        li.append(el("span", { class: "deriv-plain", text: e ? `${e.label} = ${entryText(e)}` : name }));
      }
      list.append(li);
    }
    box.replaceChildren(head, list);
  }

  function findLine(name) {
    let lines = eqIndex().get(name);
    if (!lines) {  // a whole vector or matrix: its first entry's line
      for (const [k, v] of eqIndex()) { if (k.startsWith(name + "[")) { lines = v; name = k; break; } }
    }
    return lines && lines.length ? { name: name, step: lines[0].step } : null;
  }

  function jumpTo(name, fromMatrix) {
    const found = findLine(name);
    if (!found) { fail(`no scalar line for ${name}`); return; }
    if (fromMatrix) app.jumpFrom = { step: app.step, entry: name, y: window.scrollY };
    app.step = found.step;
    renderStep();
    const line = $(`#scalar .eq[data-entry="${cssEsc(found.name)}"]`);
    if (line) {
      line.classList.add("highlight");
      line.scrollIntoView({ block: "center" });
      line.focus({ preventScroll: true });
    }
    if (fromMatrix) {
      $("#jump-bar").hidden = false;
    }
    refreshStatus();
  }
  function hideJump() { $("#jump-bar").hidden = true; app.jumpFrom = null; }
  function jumpBack() {
    const from = app.jumpFrom;
    hideJump();
    if (!from) return;
    app.step = from.step;
    renderStep();
    const cell = $(`#matrix [data-entry="${cssEsc(from.entry)}"]`);
    if (cell) { cell.classList.add("highlight"); cell.scrollIntoView({ block: "center" }); cell.focus({ preventScroll: true }); }
    else window.scrollTo(0, from.y);
  }

  // ------------------------------------------------------------------ check my work

  function renderCheck(entries) {
    const sig = entries.map((e) => e.name).join(",");
    const box = $("#check");
    if (sig === app.checkSig && box.children.length) {
      for (const e of entries) {
        const lab = $(`label[data-entry="${cssEsc(e.name)}"]`, box);
        if (lab) lab.textContent = e.label || e.name;
      }
      scheduleGrade();
      return;
    }
    app.checkSig = sig;
    const rows = entries.map((e, i) => {
      const id = "ans-" + i;
      return el("div", { class: "check-row" }, [
        el("label", { for: id, "data-entry": e.name, text: e.label || e.name, title: e.name }),
        el("input", { type: "text", id: id, class: "answer", "data-entry": e.name, inputMode: "decimal",
          spellcheck: "false", autocomplete: "off", "aria-describedby": "v-" + i }),
        el("span", { class: "verdict", id: "v-" + i, "data-entry": e.name, "aria-live": "polite" })]);
    });
    box.replaceChildren(...rows);
    $("#check-score").textContent = "";
  }

  let gradeSeq = 0;
  const STATUS_CLASSES = ["correct", "carried", "wrong", "missing"];
  const STATUS_WORD = { correct: "✓ correct", carried: "≈ carried (right from your earlier numbers)", wrong: "✗ wrong", missing: "— missing" };
  function grade() {
    const answers = {};
    for (const input of $$("#check input.answer")) {
      const v = input.value.trim();
      if (v !== "") answers[input.getAttribute("data-entry")] = v;
    }
    const seq = ++gradeSeq;
    if (!Object.keys(answers).length || !app.state) {
      for (const input of $$("#check input.answer")) { input.classList.remove(...STATUS_CLASSES); input.removeAttribute("aria-invalid"); }
      for (const v of $$("#check .verdict")) v.textContent = "";
      $("#check-score").textContent = "";
      return Promise.resolve();
    }
    busy(+1);
    return api("/api/grade", { state: app.state, answers: answers }).then((res) => {
      if (seq !== gradeSeq) return;
      if (!res.ok) { showErrors(res.errors, null); return; }
      for (const r of res.entries || []) {
        const input = $(`#check input.answer[data-entry="${cssEsc(r.name)}"]`);
        const verdict = $(`#check .verdict[data-entry="${cssEsc(r.name)}"]`);
        if (input) {
          input.classList.remove(...STATUS_CLASSES);
          if (STATUS_CLASSES.includes(r.status)) input.classList.add(r.status);
          if (r.status === "wrong") input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
        }
        if (verdict) {
          verdict.className = "verdict " + (r.status || "");
          const word = STATUS_WORD[r.status] || r.status || "";
          const showMsg = r.status !== "missing" || answers[r.name] !== undefined;
          verdict.replaceChildren(...[
            el("span", { class: "verdict-word", text: r.status === "missing" && answers[r.name] === undefined ? "" : word }),
            r.mistake ? el("code", { class: "mistake", text: r.mistake }) : null,
            showMsg && r.message ? el("span", { class: "verdict-msg", text: r.message }) : null].filter(Boolean));
        }
      }
      const first = res.first_wrong ? app.entryInfo.get(res.first_wrong) : null;
      $("#check-score").textContent = `Score ${res.score} / ${res.max_score}` +
        (res.first_wrong ? ` · first wrong: ${first ? first.label : res.first_wrong}` : "");
      succeed();
    }).catch((e) => { if (seq === gradeSeq) fail(e.message); }).finally(() => busy(-1));
  }
  const scheduleGrade = debounce(grade, 250);

  // ------------------------------------------------------------------ tabs and keys

  const TABS = ["explain", "graph", "check", "train"];
  function showTab(name) {
    for (const t of TABS) {
      const tab = document.getElementById("tab-" + t);
      const panel = document.getElementById("panel-" + t);
      const sel = t === name;
      tab.setAttribute("aria-selected", String(sel));
      tab.classList.toggle("active", sel);
      panel.hidden = !sel;
    }
    document.body.dataset.tab = name;
    if (name === "train") { drawLoss(); drawBoundary(); }
    if (name === "check" && app.checkDirty) { app.checkDirty = false; renderCheck(app.checkEntries); }
  }
  function currentTab() { return document.body.dataset.tab || "explain"; }

  function onKey(ev) {
    if (ev.defaultPrevented || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const t = ev.target;
    const tag = t && t.tagName ? t.tagName.toLowerCase() : "";
    if (tag === "input" || tag === "select" || tag === "textarea" || (t && t.isContentEditable)) return;
    if ((ev.key === "Enter" || ev.key === " ") && t && t.getAttribute && t.getAttribute("data-entry")) {
      const name = t.getAttribute("data-entry");
      if (t.closest("#network") || t.closest("#scalar")) { ev.preventDefault(); select(name); return; }
      if (t.closest("#matrix")) { ev.preventDefault(); jumpTo(name, true); return; }
    }
    if (currentTab() !== "explain") return;
    if (ev.key === "ArrowLeft" || ev.key === "PageUp") { ev.preventDefault(); go(-1); }
    else if (ev.key === "ArrowRight" || ev.key === "PageDown") { ev.preventDefault(); go(+1); }
  }

  // ------------------------------------------------------------------ the URL

  function b64urlEncode(text) {
    const bytes = new TextEncoder().encode(text);
    let bin = "";
    for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function b64urlDecode(s) {
    let b = s.replace(/-/g, "+").replace(/_/g, "/");
    while (b.length % 4) b += "=";
    const bin = atob(b);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new TextDecoder().decode(bytes);
  }
  function writeURL(state) {
    try {
      const url = window.location.pathname + window.location.search + "#s=" + b64urlEncode(JSON.stringify(state));
      history.replaceState(null, "", url);
    } catch (e) { /* a URL that cannot be written leaves the old one */ }
  }
  // The state in the fragment: an object, null when there is none, or an Error when it cannot be read.
  function readURL() {
    const m = /(?:^#|&)s=([^&]*)/.exec(window.location.hash || "");
    if (!m || !m[1]) return null;
    try {
      const st = JSON.parse(b64urlDecode(decodeURIComponent(m[1])));
      if (!st || typeof st !== "object" || Array.isArray(st)) return new Error("the link's state is not a state object");
      return st;
    } catch (e) {
      return new Error("the link's state cannot be read (it was cut or changed)");
    }
  }

  // ------------------------------------------------------------------ share and export

  async function share() {
    const span = errorSpan("share");
    if (span) span.textContent = "";
    const url = window.location.href;
    const box = $("#share-url");
    box.value = url;
    let copied = false;
    try {
      if (navigator.clipboard && window.isSecureContext) { await navigator.clipboard.writeText(url); copied = true; }
    } catch (e) { copied = false; }
    if (!copied) {
      box.hidden = false;
      box.focus();
      box.select();
      try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
    }
    if (copied) { box.hidden = true; note("link copied"); }
    else {
      box.hidden = false;
      box.select();
      note("copy the selected link (Ctrl+C)");
    }
    $("#share").focus();
  }

  const MIME = { html: "text/html", json: "application/json", py: "text/x-python" };
  function exportAs(format) {
    const span = errorSpan("export");
    if (span) span.textContent = "";
    if (!app.state) return Promise.resolve();
    busy(+1);
    return api("/api/export", { state: app.state, format: format }).then((res) => {
      if (!res.ok) { showErrors(res.errors, "export"); return; }
      const blob = new Blob([res.content || ""], { type: (MIME[format] || "text/plain") + ";charset=utf-8" });
      const url = URL.createObjectURL(blob);
      const a = el("a", { href: url, download: res.filename || `gradlab-step.${format}` });
      a.hidden = true;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      succeed();
      note(`downloaded ${res.filename || format}`);
    }).catch((e) => { setFieldError("export", e.message); fail(e.message); }).finally(() => busy(-1));
  }

  // ------------------------------------------------------------------ live training

  const train = { session: null, running: false, inflight: null, step: 0, epoch: 0, loss: [], points: [],
    extent: null, boundary: null, csv: null, pick: null, frames: 0, loop: 0, drawn: [] };

  function trainSettings() {
    const data = $("#train-data").value;
    const body = { data: data, layers: $("#train-layers").value.trim(), activation: $("#train-activation").value,
      lr: parseNum($("#train-lr").value), batch: parseNum($("#train-batch").value), seed: parseNum($("#train-seed").value) };
    if (data === "csv") body.csv = train.csv;
    return body;
  }
  function trainButtons() {
    $("#train-pause").disabled = !train.session;
    $("#train-pause").textContent = train.running ? "Pause" : "Resume";
    $("#train-explain").disabled = !train.session;
    $("#train-start").textContent = train.session ? "Restart" : "Start";
    document.body.dataset.training = train.running ? "running" : (train.session ? "paused" : "idle");
  }
  async function trainStart() {
    clearErrors($(".train-controls"));
    clearErrors($(".train-explain-row"));
    const body = trainSettings();
    if (body.data === "csv" && !train.csv) { setFieldError("train-csv", "Choose a CSV file first."); fail("choose a CSV file"); return; }
    train.running = false;
    if (train.inflight) { try { await train.inflight; } catch (e) { /* shown already */ } }
    busy(+1);
    let res;
    try { res = await api("/api/train/start", body); } catch (e) { fail(e.message); setFieldError("train-data", e.message); return; } finally { busy(-1); }
    if (!res.ok) { showTrainErrors(res.errors); return; }
    Object.assign(train, { session: res.session, step: 0, epoch: 0, loss: [], points: res.points || [],
      extent: res.extent || null, boundary: null, pick: null });
    $("#train-at").value = "";
    updateCounter();
    succeed();
    train.running = true;
    trainButtons();
    drawLoss();
    drawBoundary();
    startLoop();
  }
  function showTrainErrors(errors) {
    const map = { data: "train-data", csv: "train-csv", layers: "train-layers", activation: "train-activation", lr: "train-lr",
      batch: "train-batch", seed: "train-seed", session: "train-explain", step: "train-explain" };
    const msgs = [];
    for (const e of errors || []) {
      const f = String((e && e.field) || "").split(/[.\[]/)[0];
      const target = map[f] || "train-data";
      setFieldError(target, e.message || "refused");
      msgs.push(e.message || "refused");
    }
    fail(msgs.join(" · ") || "refused");
  }
  // One animation loop at a time: each frame asks for the next steps unless an answer is still awaited.
  function startLoop() {
    const id = ++train.loop;
    const tick = safe(() => {
      if (id !== train.loop || !train.running || !train.session) return;
      frameBody();
      requestAnimationFrame(tick);
    });
    requestAnimationFrame(tick);
  }
  function frameBody() {
    train.frames++;
    if (!train.inflight) {
      const session = train.session;
      train.inflight = api("/api/train/step", { session: session, steps: 5 }).then((res) => {
        if (session !== train.session) return;
        if (!res.ok) { train.running = false; trainButtons(); showTrainErrors(res.errors); return; }
        train.step = res.step;
        train.epoch = res.epoch;
        for (const p of res.loss || []) train.loss.push(p);
        if (res.boundary) train.boundary = res.boundary;
        updateCounter();
        drawLoss();
        drawBoundary();
        countFrame();
        if (status.error) succeed();
      }).catch((e) => { train.running = false; trainButtons(); fail(e.message); })
        .finally(() => { train.inflight = null; });
    }
  }
  // Frames drawn in the last second (for the benchmark): document.body.dataset.trainFps.
  function countFrame() {
    const now = performance.now();
    train.drawn.push(now);
    while (train.drawn.length && now - train.drawn[0] > 1000) train.drawn.shift();
    document.body.dataset.trainFps = String(train.drawn.length);
  }
  function updateCounter() {
    $("#train-step").textContent = String(train.step);
    $("#train-epoch").textContent = String(train.epoch);
    const last = train.loss[train.loss.length - 1];
    // the mini-batch loss as the server sent it, shortened to 4 significant digits for the counter
    $("#train-loss").textContent = last && typeof last[1] === "number" ? String(Number(last[1].toPrecision(4))) : (last ? show(last[1]) : "—");
  }
  async function trainPause() {
    if (!train.session) return;
    if (train.running) {
      train.running = false;
      trainButtons();
      if (train.inflight) { try { await train.inflight; } catch (e) { /* shown already */ } }
      updateCounter();
    } else {
      train.running = true;
      trainButtons();
      startLoop();
    }
  }
  async function trainExplain() {
    if (!train.session) return;
    clearErrors($(".train-explain-row"));
    if (train.running) { train.running = false; trainButtons(); }
    if (train.inflight) { try { await train.inflight; } catch (e) { /* shown already */ } }
    updateCounter();
    const at = $("#train-at").value.trim();
    const step = at === "" ? train.step : parseNum(at);
    busy(+1);
    let res;
    try { res = await api("/api/train/explain", { session: train.session, step: step }); }
    catch (e) { setFieldError("train-explain", e.message); fail(e.message); return; } finally { busy(-1); }
    if (!res.ok) {
      for (const e of res.errors || []) setFieldError("train-explain", e.message || "refused");
      fail((res.errors || []).map((e) => e.message).join(" · ") || "refused");
      return;
    }
    markCustom();
    app.selected = null;
    const ok = await explain(res.state, { origin: "train-explain", rebuild: true, firstStep: true });
    if (ok) showTab("explain");
  }

  function readCsv() {
    const input = $("#train-csv");
    const span = errorSpan("train-csv");
    if (span) span.textContent = "";
    const file = input.files && input.files[0];
    train.csv = null;
    if (!file) return;
    if (file.size > MAX_BODY - 4096) { setFieldError("train-csv", "This file is too large (at most 1 MiB)."); return; }
    $("#train-data").value = "csv";
    file.text().then((text) => { train.csv = text; }).catch(() => setFieldError("train-csv", "This file cannot be read."));
  }

  // Colours: blue for class 0 / p = 0, orange for class 1 / p = 1, white in between.
  const C0 = [146, 190, 235], C1 = [246, 178, 128], MID = [250, 250, 250];
  const CLASS_COLOURS = ["#1b4f9c", "#c2410c", "#15803d", "#7e22ce", "#a16207", "#0e7490"];
  function mix(a, b, t) { return [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * t)); }
  function colourOf(p) {
    const v = Math.max(0, Math.min(1, Number(p) || 0));
    return v < 0.5 ? mix(C0, MID, v * 2) : mix(MID, C1, (v - 0.5) * 2);
  }
  let gridCanvas = null;
  // The canvas drawn at its size on screen (sharp text on a projector); {ctx, W, H} in CSS pixels.
  function fitCanvas(cv, ratio) {
    if (!cv || !cv.getContext) return null;
    const cssW = cv.clientWidth || cv._cssW || 0;
    if (!cssW) return null;  // hidden: drawn when shown
    const cssH = Math.round(cssW * ratio);
    const dpr = window.devicePixelRatio || 1;
    const w = Math.round(cssW * dpr), h = Math.round(cssH * dpr);
    if (cv.width !== w || cv.height !== h) { cv.width = w; cv.height = h; }
    cv._cssW = cssW;
    const ctx = cv.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    return { ctx: ctx, W: cssW, H: cssH };
  }

  function drawBoundary() {
    const fit = fitCanvas($("#boundary"), 1);
    if (!fit) return;
    const { ctx, W, H } = fit;
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, W, H);
    const b = train.boundary;
    if (b && Array.isArray(b.p) && b.p.length) {
      const rows = b.p.length, cols = (b.p[0] || []).length;
      if (cols) {
        if (!gridCanvas) gridCanvas = document.createElement("canvas");
        gridCanvas.width = cols;
        gridCanvas.height = rows;
        const g = gridCanvas.getContext("2d");
        const img = g.createImageData(cols, rows);
        for (let r = 0; r < rows; r++) {
          const y = rows - 1 - r;  // rows run from ymin (bottom) to ymax (top)
          for (let c = 0; c < cols; c++) {
            const [R, G, B] = colourOf(b.p[r][c]);
            const o = (y * cols + c) * 4;
            img.data[o] = R; img.data[o + 1] = G; img.data[o + 2] = B; img.data[o + 3] = 255;
          }
        }
        g.putImageData(img, 0, 0);
        ctx.imageSmoothingEnabled = true;
        ctx.drawImage(gridCanvas, 0, 0, W, H);
      }
    }
    const ext = train.extent;
    if (ext && ext.length === 4 && train.points.length) {
      const [x0, x1, y0, y1] = ext;
      const sx = W / ((x1 - x0) || 1), sy = H / ((y1 - y0) || 1);
      for (const pt of train.points) {
        const px = (pt[0] - x0) * sx, py = H - (pt[1] - y0) * sy;
        ctx.beginPath();
        ctx.arc(px, py, 4, 0, 2 * Math.PI);
        ctx.fillStyle = CLASS_COLOURS[(Math.abs(Math.round(pt[2])) || 0) % CLASS_COLOURS.length];
        ctx.fill();
        ctx.lineWidth = 1.2;
        ctx.strokeStyle = "#111418";
        ctx.stroke();
      }
    }
    ctx.strokeStyle = "#333";
    ctx.lineWidth = 1;
    ctx.strokeRect(0.5, 0.5, W - 1, H - 1);
  }
  const LOSS_RATIO = 0.6;
  function lossGeometry(W, H) {
    const pad = { l: 72, r: 18, t: 18, b: 40 };
    const pts = train.loss;
    let s0 = 0, s1 = 1, lo = 0, hi = 1;
    if (pts.length) {
      s0 = pts[0][0]; s1 = pts[pts.length - 1][0];
      if (s1 === s0) s1 = s0 + 1;
      lo = Infinity; hi = -Infinity;
      for (const p of pts) { if (Number.isFinite(p[1])) { if (p[1] < lo) lo = p[1]; if (p[1] > hi) hi = p[1]; } }
      if (!Number.isFinite(lo)) { lo = 0; hi = 1; }
      lo = Math.min(0, lo);
      if (hi === lo) hi = lo + 1;
    }
    return { pad: pad, s0: s0, s1: s1, lo: lo, hi: hi, w: W - pad.l - pad.r, h: H - pad.t - pad.b };
  }
  function drawLoss() {
    const fit = fitCanvas($("#loss-curve"), LOSS_RATIO);
    if (!fit) return;
    const { ctx, W, H } = fit;
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, W, H);
    const g = lossGeometry(W, H);
    const X = (s) => g.pad.l + (s - g.s0) / (g.s1 - g.s0) * g.w;
    const Y = (v) => g.pad.t + g.h - (v - g.lo) / (g.hi - g.lo) * g.h;
    ctx.strokeStyle = "#444";
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(g.pad.l, g.pad.t);
    ctx.lineTo(g.pad.l, g.pad.t + g.h);
    ctx.lineTo(g.pad.l + g.w, g.pad.t + g.h);
    ctx.stroke();
    ctx.fillStyle = "#111";
    ctx.font = "15px system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', sans-serif";
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    if (train.loss.length) {
      ctx.fillText(axisText(g.hi), g.pad.l - 6, g.pad.t);
      ctx.fillText(axisText(g.lo), g.pad.l - 6, g.pad.t + g.h);
      ctx.textAlign = "center";
      ctx.textBaseline = "top";
      ctx.fillText(String(g.s0), g.pad.l, g.pad.t + g.h + 6);
      ctx.fillText("step " + String(g.s1), g.pad.l + g.w - 30, g.pad.t + g.h + 6);
      const pts = train.loss;
      const stride = Math.max(1, Math.floor(pts.length / (2 * g.w)));
      ctx.strokeStyle = "#0b4f9c";
      ctx.lineWidth = 2;
      ctx.beginPath();
      for (let i = 0; i < pts.length; i += stride) {
        const x = X(pts[i][0]), y = Y(pts[i][1]);
        if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      }
      const last = pts[pts.length - 1];
      ctx.lineTo(X(last[0]), Y(last[1]));
      ctx.stroke();
      if (train.pick !== null) {
        ctx.strokeStyle = "#c2410c";
        ctx.setLineDash([5, 4]);
        ctx.beginPath();
        ctx.moveTo(X(train.pick), g.pad.t);
        ctx.lineTo(X(train.pick), g.pad.t + g.h);
        ctx.stroke();
        ctx.setLineDash([]);
      }
    } else {
      ctx.textAlign = "center";
      ctx.fillText("Start training to see the loss", W / 2, H / 2);
    }
  }
  function axisText(v) {  // axis labels only (the loss values themselves are the server's)
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : String(Number(v.toPrecision(4)));
  }
  function pickStep(ev) {
    const cv = $("#loss-curve");
    if (!train.loss.length) return;
    const rect = cv.getBoundingClientRect();
    const x = ev.clientX - rect.left;
    const g = lossGeometry(rect.width, rect.width * LOSS_RATIO);
    const s = g.s0 + (x - g.pad.l) / g.w * (g.s1 - g.s0);
    let best = train.loss[0];
    for (const p of train.loss) if (Math.abs(p[0] - s) < Math.abs(best[0] - s)) best = p;
    train.pick = best[0];
    $("#train-at").value = String(best[0]);
    drawLoss();
  }

  // ------------------------------------------------------------------ start

  function wire() {
    on($("#examples"), "change", () => { if ($("#examples").value !== "custom") loadExample($("#examples").value); });
    on($("#layers"), "change", applyLayers);
    on($("#activation"), "change", () => setActivations("hidden"));
    on($("#output-activation"), "change", () => setActivations("output"));
    on($("#loss"), "change", setLoss);
    for (const id of ["layout", "reduction", "half"]) on(document.getElementById(id), "change", () => { markCustom(); edited(id, true); });
    on($("#lr"), "input", () => edited("lr"));
    on($("#precision"), "input", () => edited("precision"));
    on($("#param-fields"), "input", (ev) => {
      const t = ev.target;
      if (t && t.matches && t.matches("input.num")) { markCustom(); edited(t.getAttribute("data-name")); }
    });
    on($("#network"), "click", (ev) => {
      const node = ev.target && ev.target.closest ? ev.target.closest("[data-entry]") : null;
      if (node) select(node.getAttribute("data-entry"));
    });
    on($("#values"), "click", (ev) => {
      const b = ev.target && ev.target.closest ? ev.target.closest("[data-select]") : null;
      if (b) select(b.getAttribute("data-select"));
    });
    on($("#matrix"), "click", (ev) => {
      const node = ev.target && ev.target.closest ? ev.target.closest("[data-entry]") : null;
      if (node) jumpTo(node.getAttribute("data-entry"), true);
    });
    on($("#scalar"), "click", (ev) => {
      const node = ev.target && ev.target.closest ? ev.target.closest(".eq[data-entry]") : null;
      if (node) select(node.getAttribute("data-entry"));
    });
    on($("#derivation"), "click", (ev) => {
      const b = ev.target && ev.target.closest ? ev.target.closest("[data-goto]") : null;
      if (b) { showTab("explain"); jumpTo(b.getAttribute("data-goto"), false); }
    });
    on($("#jump-back"), "click", jumpBack);
    on($("#step-prev"), "click", () => go(-1));
    on($("#step-next"), "click", () => go(+1));
    on(document, "keydown", onKey);
    for (const t of TABS) on(document.getElementById("tab-" + t), "click", () => showTab(t));
    on($("#check"), "input", (ev) => {
      const t = ev.target;
      if (t && t.classList && t.classList.contains("answer")) {
        const v = $(`#check .verdict[data-entry="${cssEsc(t.getAttribute("data-entry"))}"]`);
        t.classList.remove(...STATUS_CLASSES);
        if (v) v.replaceChildren();
        scheduleGrade();
      }
    });
    on($("#share"), "click", share);
    on($("#export-html"), "click", () => exportAs("html"));
    on($("#export-json"), "click", () => exportAs("json"));
    on($("#export-py"), "click", () => exportAs("py"));
    on($("#train-start"), "click", trainStart);
    on($("#train-pause"), "click", trainPause);
    on($("#train-explain"), "click", trainExplain);
    on($("#train-csv"), "change", readCsv);
    on($("#train-data"), "change", () => { clearErrors($(".train-controls")); });
    on($("#loss-curve"), "click", pickStep);
    on(window, "resize", debounce(() => { drawLoss(); drawBoundary(); }, 100));
    on(window, "hashchange", () => {
      const st = readURL();
      if (st instanceof Error) { fail(st.message); return; }
      if (st && JSON.stringify(st) !== JSON.stringify(app.state)) {
        markCustom();
        explain(st, { origin: "examples", rebuild: true, firstStep: true });
      }
    });
  }

  async function start() {
    wire();
    trainButtons();
    showTab("explain");
    drawLoss();
    drawBoundary();
    if (!TOKEN) { fail("no token in the address: open the link `gradlab explore` printed"); return; }
    busy(+1);
    let meta;
    try { meta = await api("/api/examples", {}); } catch (e) { fail(e.message); return; } finally { busy(-1); }
    if (!meta.ok) { showErrors(meta.errors, null); return; }
    app.meta = meta;
    const names = Object.keys(meta.examples || {});
    fillSelect($("#examples"), names, { start: "(your network)" });
    const acts = meta.activations || ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus", "step", "softmax"];
    fillSelect($("#activation"), acts);
    fillSelect($("#output-activation"), acts);
    fillSelect($("#train-activation"), ["tanh", "relu", "sigmoid", "leaky_relu", "identity"]);
    $("#train-activation").value = "tanh";
    fillSelect($("#loss"), meta.losses || ["mse", "bce", "bce_with_logits", "cross_entropy"]);
    if (Array.isArray(meta.datasets) && meta.datasets.length) {
      fillSelect($("#train-data"), Array.from(new Set(meta.datasets.concat(["csv"]))), { csv: "CSV file…" });
    }
    if (meta.data && $$("option", $("#train-data")).some((o) => o.value === meta.data)) $("#train-data").value = meta.data;
    const fromURL = readURL();
    const exs = meta.examples || {};
    const fallback = exs.start ? "start" : (exs.course ? "course" : names[0]);
    if (fromURL && !(fromURL instanceof Error)) {
      markCustom();
      const ok = await explain(fromURL, { origin: "examples", rebuild: true, firstStep: true });
      if (ok) return;
      const why = status.error;
      await loadExample(fallback);
      fail("the link's state was refused: " + why);
      return;
    }
    await loadExample(fallback);
    if (fromURL instanceof Error) fail(fromURL.message);
    if (meta.data) showTab("train");  // gradlab explore --data NAME opens on live training
  }

  function boot() { safe(start)(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
