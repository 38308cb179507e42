/// The interface's stylesheet and script, compiled into the binary (no resource bundle to
/// ship beside it, no build chain). The pages work without the script; it only improves them:
/// local times, copy buttons, the Accessories table opened in place, confirmations.
enum WebAssets {
    /// `/static/berth.css`.
    static let stylesheet = """
    :root { --fg: #1c2430; --muted: #5b6676; --line: #dde3ea; --bg: #f7f9fb; --accent: #0b63c5; --ok: #137a3a; --bad: #b3261e; --warn: #8a5a00; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
    a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
    header.bar { display: flex; flex-wrap: wrap; gap: .5rem 1.25rem; align-items: center; padding: .6rem 1rem; background: #14202e; color: #fff; }
    header.bar a { color: #dbe7f5; } header.bar .brand { font-weight: 700; color: #fff; font-size: 1.1rem; }
    header.bar nav { display: flex; flex-wrap: wrap; gap: .25rem 1rem; flex: 1; }
    header.bar .who { display: flex; gap: .5rem; align-items: center; }
    header.bar button { background: transparent; color: #dbe7f5; border: 1px solid #51627a; border-radius: 4px; padding: .15rem .5rem; cursor: pointer; }
    main { max-width: 1200px; margin: 0 auto; padding: 1rem; }
    h1 { font-size: 1.35rem; margin: .25rem 0 1rem; word-break: break-all; } h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
    .crumbs { color: var(--muted); margin-bottom: .25rem; word-break: break-all; }
    table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid var(--line); }
    th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
    th { font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); background: #f0f3f7; }
    td.num, th.num { text-align: right; white-space: nowrap; }
    code, .digest { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .85rem; word-break: break-all; }
    .tag { display: inline-block; background: #e8f0fb; border-radius: 3px; padding: 0 .35rem; margin: 0 .2rem .2rem 0; font-size: .85rem; }
    .tag form { display: inline; }
    .signed { color: var(--ok); font-weight: 700; } .unsigned { color: var(--bad); font-weight: 700; } .verified { color: var(--ok); font-weight: 700; }
    .muted { color: var(--muted); } .flash { background: #e7f5ec; border: 1px solid #b5dcc3; padding: .5rem .75rem; border-radius: 4px; }
    .error { background: #fdecea; border: 1px solid #f1b8b2; padding: .75rem; border-radius: 4px; }
    form.inline { display: inline; margin: 0; }
    .filters { display: flex; flex-wrap: wrap; gap: .5rem; margin: 0 0 .75rem; }
    input[type=text], input[type=password], input[type=search], textarea { font: inherit; padding: .35rem .5rem; border: 1px solid #b9c3cf; border-radius: 4px; }
    textarea { width: 100%; min-height: 20rem; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .85rem; }
    button, .button { font: inherit; padding: .35rem .75rem; border-radius: 4px; border: 1px solid #9fb0c4; background: #fff; color: var(--fg); cursor: pointer; }
    button.danger, .button.danger { border-color: var(--bad); color: var(--bad); }
    .pager { display: flex; gap: 1rem; margin: .75rem 0; }
    details.menu { position: relative; display: inline-block; }
    details.menu > summary { list-style: none; cursor: pointer; padding: 0 .5rem; font-weight: 700; border-radius: 4px; }
    details.menu > summary::-webkit-details-marker { display: none; }
    details.menu > div { position: absolute; right: 0; z-index: 2; background: #fff; border: 1px solid var(--line); border-radius: 4px; box-shadow: 0 2px 8px rgba(0,0,0,.12); min-width: 9rem; }
    details.menu > div a { display: block; padding: .4rem .75rem; color: var(--bad); }
    a.expand { display: inline-block; width: 1.5rem; text-align: center; font-weight: 700; transition: transform .1s; }
    .platform + .platform::before { content: ", "; }
    a.expand[aria-expanded=true] { transform: rotate(90deg); }
    tr.fragment > td { background: #fbfcfd; padding: .5rem 1rem 1rem 2.25rem; }
    .tree-1 td:first-child { padding-left: 1.75rem; } .tree-2 td:first-child { padding-left: 3rem; } .tree-3 td:first-child { padding-left: 4.25rem; }
    .card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; margin-bottom: 1rem; }
    .pull { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
    .pull code { background: #f0f3f7; padding: .2rem .4rem; border-radius: 3px; }
    .login { max-width: 22rem; margin: 3rem auto; } .login label { display: block; margin: .5rem 0 .2rem; } .login input { width: 100%; }
    @media (max-width: 720px) {
      main { padding: .5rem; } table.responsive thead { display: none; }
      table.responsive tr { display: block; border-bottom: 1px solid var(--line); padding: .35rem 0; }
      table.responsive td { display: block; border: 0; padding: .15rem .6rem; }
      table.responsive td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); font-size: .8rem; }
      td.num { text-align: left; }
    }
    """

    /// `/static/berth.js`: no inline script anywhere, so the policy forbids all inline code.
    static let script = """
    "use strict";
    (function () {
      function localTimes(root) {
        root.querySelectorAll("time[datetime]").forEach(function (t) {
          var d = new Date(t.getAttribute("datetime"));
          if (isNaN(d)) return;
          t.title = t.textContent;
          t.textContent = d.toLocaleString(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
        });
      }
      function csrf() { var m = document.querySelector("meta[name=csrf-token]"); return m ? m.content : ""; }
      function post(action) {
        var f = document.createElement("form");
        f.method = "post"; f.action = action;
        var i = document.createElement("input");
        i.type = "hidden"; i.name = "csrf"; i.value = csrf();
        f.appendChild(i); document.body.appendChild(f); f.submit();
      }
      document.addEventListener("click", function (e) {
        var target = e.target.closest ? e.target : e.target.parentElement;
        var confirmLink = target.closest("a[data-confirm]");
        if (confirmLink) {
          e.preventDefault();
          if (window.confirm(confirmLink.getAttribute("data-confirm"))) post(confirmLink.getAttribute("href"));
          return;
        }
        var copy = target.closest("button[data-copy]");
        if (copy) {
          e.preventDefault();
          if (navigator.clipboard) navigator.clipboard.writeText(copy.getAttribute("data-copy"));
          copy.textContent = "copied";
          return;
        }
        var expand = target.closest("a.expand");
        if (expand) {
          e.preventDefault();
          var row = expand.closest("tr");
          var open = row.nextElementSibling && row.nextElementSibling.classList.contains("fragment") ? row.nextElementSibling : null;
          if (open) { open.remove(); expand.setAttribute("aria-expanded", "false"); return; }
          fetch(expand.getAttribute("href").split("#")[0] + "/accessories", { credentials: "same-origin" }).then(function (r) {
            if (!r.ok) throw new Error(r.status);
            return r.text();
          }).then(function (html) {
            var tr = document.createElement("tr");
            tr.className = "fragment";
            var td = document.createElement("td");
            td.colSpan = row.children.length;
            td.innerHTML = html;
            tr.appendChild(td);
            row.after(tr);
            localTimes(td);
            expand.setAttribute("aria-expanded", "true");
          }).catch(function () { window.location = expand.href; });
          return;
        }
        document.querySelectorAll("details.menu[open]").forEach(function (d) { if (!d.contains(target)) d.removeAttribute("open"); });
      });
      document.addEventListener("DOMContentLoaded", function () {
        localTimes(document);
        document.documentElement.classList.add("js");
      });
    })();
    """
}
