// quarry web console: KQL highlighting, error underlining, running
// queries through /api/query, the results grid (sort, pages, CSV/JSON
// download), charts (SVG drawn by the server's chart package) and simple
// completion of tables, columns and keywords.
"use strict";

(function () {
  const KEYWORDS = new Set(("where filter extend project project-away project-keep project-rename project-reorder " +
    "summarize count by order sort asc desc nulls first last take limit top top-nested distinct join on kind " +
    "inner outer leftouter rightouter fullouter leftanti rightanti leftsemi rightsemi anti semi innerunique " +
    "union withsource let datatable print render with mv-expand mv-apply parse parse-where evaluate make-series " +
    "range from to step as invoke search in has has_any has_all contains startswith endswith matches regex " +
    "and or not between getschema serialize externaldata lookup sample sample-distinct facet consume " +
    "materialize toscalar isfuzzy bagexpansion hint.strategy hint.shufflekey default").split(" "));
  const TYPES = new Set("bool boolean int long real double decimal string datetime date timespan time dynamic guid".split(" "));
  const LITERALS = new Set("true false null".split(" "));

  function esc(s) {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  // tokens splits KQL into [kind, text] pairs covering the whole text.
  function tokens(src) {
    const out = [];
    let i = 0;
    const n = src.length;
    while (i < n) {
      const c = src[i];
      const rest = src.slice(i);
      let m;
      if (rest.startsWith("//")) {
        const j = src.indexOf("\n", i);
        const end = j < 0 ? n : j;
        out.push(["comment", src.slice(i, end)]);
        i = end;
      } else if ((m = /^(?:[hH]@|@|[hH])?(["'])/.exec(rest))) {
        const q = m[1];
        const verbatim = m[0].includes("@");
        let j = i + m[0].length;
        while (j < n && src[j] !== "\n") {
          if (!verbatim && src[j] === "\\") { j += 2; continue; }
          if (src[j] === q) {
            if (verbatim && src[j + 1] === q) { j += 2; continue; }
            j++;
            break;
          }
          j++;
        }
        out.push(["string", src.slice(i, j)]);
        i = j;
      } else if ((m = /^(?:\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?:ms|microseconds?|ticks|d|h|m|s)?\b|0x[0-9a-fA-F]+)/.exec(rest))) {
        out.push(["number", m[0]]);
        i += m[0].length;
      } else if ((m = /^[A-Za-z_$][\w$]*(?:-[a-z]+)*/.exec(rest))) {
        let word = m[0];
        if (word.includes("-") && !KEYWORDS.has(word)) {
          word = /^[A-Za-z_$][\w$]*/.exec(rest)[0];
        }
        const after = src.slice(i + word.length);
        let kind = "ident";
        if (KEYWORDS.has(word)) kind = "keyword";
        else if (TYPES.has(word) && /^\s*\(/.test(after)) kind = "type";
        else if (LITERALS.has(word)) kind = "literal";
        else if (/^\s*\(/.test(after)) kind = "function";
        out.push([kind, word]);
        i += word.length;
      } else if (c === "|") {
        out.push(["pipe", c]);
        i++;
      } else if ((m = /^(?:==|!=|<=|>=|=~|!~|[-+*/%<>=!.,;:()[\]{}])/.exec(rest))) {
        out.push(["op", m[0]]);
        i += m[0].length;
      } else {
        const j = i + 1;
        out.push(["text", src.slice(i, j)]);
        i = j;
      }
    }
    return out;
  }

  // highlight returns HTML for src; the characters [errFrom, errTo) get a
  // wavy underline.
  function highlight(src, errFrom, errTo) {
    let html = "";
    let pos = 0;
    for (const [kind, text] of tokens(src)) {
      const start = pos, end = pos + text.length;
      pos = end;
      if (errFrom !== undefined && errFrom < end && errTo > start) {
        const a = Math.max(errFrom, start) - start, b = Math.min(errTo, end) - start;
        html += span(kind, text.slice(0, a)) + '<span class="err-mark">' + span(kind, text.slice(a, b)) + "</span>" + span(kind, text.slice(b));
      } else {
        html += span(kind, text);
      }
    }
    if (errFrom !== undefined && errFrom >= src.length) {
      html += '<span class="err-mark"> </span>'; // error at the end of the text
    }
    return html + "\n";
  }

  function span(kind, text) {
    if (!text) return "";
    if (kind === "text" || kind === "ident") return esc(text);
    return '<span class="t-' + kind + '">' + esc(text) + "</span>";
  }

  // indexOfPosition converts a line and column (characters, from 1) to a
  // JavaScript string index.
  function indexOfPosition(src, line, column) {
    let idx = 0;
    for (let l = 1; l < line; l++) {
      const j = src.indexOf("\n", idx);
      if (j < 0) return src.length;
      idx = j + 1;
    }
    // columns count code points; JS indexes count UTF-16 units
    let col = 1;
    while (col < column && idx < src.length && src[idx] !== "\n") {
      const cp = src.codePointAt(idx);
      idx += cp > 0xffff ? 2 : 1;
      col++;
    }
    return idx;
  }

  // errorSpan is the range to underline: the token at the position, or
  // one character.
  function errorSpan(src, idx) {
    const m = /^(?:[A-Za-z_$][\w$-]*|\d+\w*|"[^"\n]*"?|'[^'\n]*'?|==|!=|<=|>=|\S)/.exec(src.slice(idx));
    return [idx, idx + (m ? m[0].length : 1)];
  }

  async function api(path, body) {
    const resp = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    let data;
    try { data = await resp.json(); } catch (e) { data = { error: resp.status + " " + resp.statusText }; }
    if (!resp.ok) {
      const err = new Error(data.error || resp.statusText);
      err.diagnostics = data.diagnostics || [];
      throw err;
    }
    return data;
  }

  // ---- results grid ----
  const PAGE = 50;

  function cellText(v) {
    if (v === null || v === undefined) return "";
    if (typeof v === "object") return JSON.stringify(v);
    return String(v);
  }

  function compare(a, b) {
    if (a === b) return 0;
    if (a === null || a === undefined) return -1;
    if (b === null || b === undefined) return 1;
    if (typeof a === "number" && typeof b === "number") return a - b;
    return cellText(a) < cellText(b) ? -1 : 1;
  }

  function csvField(s) {
    return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  // toCSV writes RFC 4180 CSV with a header, cells as the API gave them
  // (Kusto's text for datetimes and timespans, compact JSON for dynamic).
  function toCSV(columns, rows) {
    const lines = [columns.map((c) => csvField(c.name)).join(",")];
    for (const r of rows) lines.push(r.map((v) => csvField(cellText(v))).join(","));
    return lines.join("\r\n") + "\r\n";
  }

  // toJSON writes the rows as an array of objects keyed by column name.
  function toJSON(columns, rows) {
    return JSON.stringify(rows.map((r) => Object.fromEntries(columns.map((c, i) => [c.name, r[i]]))), null, 1);
  }

  function download(name, type, text) {
    const url = URL.createObjectURL(new Blob([text], { type: type }));
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  function renderGrid(box, data) {
    const state = { sortCol: -1, desc: false, page: 0, rows: data.rows.slice() };
    function draw() {
      const pages = Math.max(1, Math.ceil(state.rows.length / PAGE));
      state.page = Math.min(state.page, pages - 1);
      let html = '<div class="grid-tools"><span id="row-count">' + data.rowCount + " rows" + (data.truncated ? " (cut at the row cap)" : "") +
        "</span> · " + data.elapsedMs.toFixed(1) + " ms" +
        ' <button type="button" data-act="csv">Download CSV</button> <button type="button" data-act="json">Download JSON</button>' +
        ' <span class="pager"><button type="button" data-act="prev"' + (state.page === 0 ? " disabled" : "") + '>‹</button> page <span id="page">' +
        (state.page + 1) + "</span> of " + pages + ' <button type="button" data-act="next"' + (state.page >= pages - 1 ? " disabled" : "") + ">›</button></span></div>";
      html += '<div class="grid-scroll"><table class="grid results" id="grid"><thead><tr>';
      data.columns.forEach((c, i) => {
        const arrow = state.sortCol === i ? (state.desc ? " ▼" : " ▲") : "";
        html += '<th data-col="' + i + '" title="' + esc(c.type) + '">' + esc(c.name) + '<span class="ctype">' + esc(c.type) + "</span>" + arrow + "</th>";
      });
      html += "</tr></thead><tbody>";
      for (const row of state.rows.slice(state.page * PAGE, (state.page + 1) * PAGE)) {
        html += "<tr>";
        row.forEach((v, i) => {
          const num = typeof v === "number";
          html += "<td" + (num ? ' class="num"' : v === null ? ' class="null"' : "") + ">" + esc(cellText(v)) + "</td>";
        });
        html += "</tr>";
      }
      html += "</tbody></table></div>";
      box.innerHTML = html;
    }
    box.onclick = (ev) => {
      const th = ev.target.closest("th[data-col]");
      if (th) {
        const i = +th.dataset.col;
        state.desc = state.sortCol === i ? !state.desc : false;
        state.sortCol = i;
        state.rows.sort((a, b) => (state.desc ? -1 : 1) * compare(a[i], b[i]));
        state.page = 0;
        draw();
        return;
      }
      const act = ev.target.dataset && ev.target.dataset.act;
      if (act === "prev") { state.page--; draw(); }
      if (act === "next") { state.page++; draw(); }
      if (act === "csv") download("result.csv", "text/csv", toCSV(data.columns, state.rows));
      if (act === "json") download("result.json", "application/json", toJSON(data.columns, state.rows));
    };
    draw();
  }

  // run sends a query and shows the grid and chart; onError gets the
  // error (with diagnostics) for underlining.
  async function run(query, onError) {
    const status = document.getElementById("run-status");
    const errBox = document.getElementById("error");
    const chartBox = document.getElementById("chart");
    const results = document.getElementById("results");
    status.textContent = "Running…";
    errBox.classList.add("hidden");
    chartBox.innerHTML = "";
    results.innerHTML = "";
    try {
      const data = await api("/api/query", { query: query, chart: true });
      status.textContent = "";
      if (data.chart && data.chart.svg) {
        chartBox.innerHTML = data.chart.svg + (data.chart.default ? '<p class="muted">Default chart: the query has no render operator.</p>' : "");
      } else if (data.chart && data.chart.error) {
        chartBox.innerHTML = '<p class="muted">No chart: ' + esc(data.chart.error) + "</p>";
      }
      renderGrid(results, data);
    } catch (e) {
      status.textContent = "";
      let msg = esc(e.message);
      if (e.diagnostics && e.diagnostics.length) {
        msg = e.diagnostics.map((d) => '<span class="pos">' + d.line + ":" + d.column + "</span> " + esc(d.message)).join("<br>");
      }
      errBox.innerHTML = msg;
      errBox.classList.remove("hidden");
      if (onError) onError(e);
    }
  }

  // ---- console ----
  function setupConsole() {
    const ed = document.getElementById("editor");
    const hl = document.getElementById("highlight");
    if (!ed || !hl) return;
    let mark;
    function paint() {
      hl.innerHTML = mark ? highlight(ed.value, mark[0], mark[1]) : highlight(ed.value);
      hl.scrollTop = ed.scrollTop;
      hl.scrollLeft = ed.scrollLeft;
    }
    ed.addEventListener("input", () => { mark = undefined; paint(); });
    ed.addEventListener("scroll", () => { hl.scrollTop = ed.scrollTop; hl.scrollLeft = ed.scrollLeft; });
    function go() {
      mark = undefined;
      paint();
      run(ed.value, (e) => {
        const d = e.diagnostics && e.diagnostics[0];
        if (d) {
          mark = errorSpan(ed.value, indexOfPosition(ed.value, d.line, d.column));
          paint();
        }
      });
    }
    document.getElementById("run").addEventListener("click", go);
    ed.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); go(); }
      else if (ev.key === "Tab" && !completer.open()) { ev.preventDefault(); insert(ed, "  "); paint(); }
    });
    document.getElementById("explain").addEventListener("click", async () => {
      const box = document.getElementById("sql");
      try {
        const data = await api("/api/explain", { query: ed.value });
        box.textContent = data.sql;
        box.classList.remove("hidden");
      } catch (e) {
        box.textContent = e.message;
        box.classList.remove("hidden");
      }
    });
    const completer = setupCompletion(ed, paint);
    paint();
  }

  function insert(ed, text) {
    const s = ed.selectionStart, e = ed.selectionEnd;
    ed.value = ed.value.slice(0, s) + text + ed.value.slice(e);
    ed.selectionStart = ed.selectionEnd = s + text.length;
  }

  // setupCompletion offers tables, columns and keywords for the word
  // before the cursor (Ctrl+Space, or after two letters).
  function setupCompletion(ed, paint) {
    const box = document.getElementById("completions");
    let words = Array.from(KEYWORDS);
    let items = [], sel = 0, start = 0;
    const get = (path) => fetch(path, { credentials: "same-origin" }).then((r) => (r.ok ? r.json() : [])).catch(() => []);
    Promise.all([get("/api/tables"), get("/api/functions")]).then(([tabs, fns]) => {
      const set = new Set(words);
      for (const t of tabs) { set.add(t.name); for (const c of t.columns) set.add(c.name); }
      for (const f of fns) set.add(f.name);
      words = Array.from(set).sort();
    });
    function hide() { box.classList.add("hidden"); items = []; }
    function show() {
      const upto = ed.value.slice(0, ed.selectionStart);
      const m = /[A-Za-z_][\w-]*$/.exec(upto);
      if (!m) { hide(); return; }
      start = ed.selectionStart - m[0].length;
      const pre = m[0].toLowerCase();
      items = words.filter((w) => w.toLowerCase().startsWith(pre) && w !== m[0]).slice(0, 12);
      if (!items.length) { hide(); return; }
      sel = 0;
      box.innerHTML = items.map((w, i) => '<div class="item' + (i === sel ? " sel" : "") + '" data-i="' + i + '">' + esc(w) + "</div>").join("");
      box.classList.remove("hidden");
    }
    function accept(i) {
      const w = items[i];
      ed.value = ed.value.slice(0, start) + w + ed.value.slice(ed.selectionStart);
      ed.selectionStart = ed.selectionEnd = start + w.length;
      hide();
      paint();
      ed.focus();
    }
    function mark() {
      Array.from(box.children).forEach((el, i) => el.classList.toggle("sel", i === sel));
    }
    ed.addEventListener("keydown", (ev) => {
      if (ev.key === " " && ev.ctrlKey) { ev.preventDefault(); show(); return; }
      if (!items.length) return;
      if (ev.key === "ArrowDown") { ev.preventDefault(); sel = (sel + 1) % items.length; mark(); }
      else if (ev.key === "ArrowUp") { ev.preventDefault(); sel = (sel + items.length - 1) % items.length; mark(); }
      else if (ev.key === "Tab" || (ev.key === "Enter" && !ev.ctrlKey)) { ev.preventDefault(); ev.stopImmediatePropagation(); accept(sel); }
      else if (ev.key === "Escape") { hide(); }
    }, true);
    ed.addEventListener("input", (ev) => {
      if (ev.inputType && ev.inputType.startsWith("insert") && /[A-Za-z_]{2,}$/.test(ed.value.slice(0, ed.selectionStart))) show();
      else hide();
    });
    ed.addEventListener("blur", () => setTimeout(hide, 150));
    box.addEventListener("mousedown", (ev) => {
      const it = ev.target.closest(".item");
      if (it) { ev.preventDefault(); accept(+it.dataset.i); }
    });
    return { open: () => items.length > 0 };
  }

  // ---- rule page ----
  function setupRule() {
    const pre = document.getElementById("rule-kql");
    if (!pre) return;
    const query = pre.textContent;
    pre.innerHTML = highlight(query);
    const btn = document.getElementById("run");
    if (btn) btn.addEventListener("click", () => run(query));
  }

  function highlightAll() {
    document.querySelectorAll("pre.kql:not(#highlight):not(#rule-kql)").forEach((el) => { el.innerHTML = highlight(el.textContent); });
  }

  window.quarry = { tokens: tokens, highlight: highlight, indexOfPosition: indexOfPosition, errorSpan: errorSpan, toCSV: toCSV, toJSON: toJSON };
  document.addEventListener("DOMContentLoaded", () => {
    setupConsole();
    setupRule();
    highlightAll();
  });
})();
