/* The team phone's outbox, an addition to the plain forms: registers the
 * service worker; offline, a form marked data-outbox is kept in IndexedDB (a
 * photo shrunk as photos.js does) with a key of its own; online, outbox-send.js
 * sends the queue. Items belong to the account that queued them. The worker
 * imports this file for the queue's store only. */
(function (scope) {
  "use strict";
  var page = typeof document !== "undefined";
  var me = page && document.querySelector('meta[name="ocop-user"]');
  if ((page && !me) || !scope.indexedDB || !scope.fetch || !scope.FormData) { return; }
  var MAX_ITEMS = 200;  // with photos shrunk to about 0.3 MB, tens of MB at most

  function db() {
    return new Promise(function (resolve, reject) {
      var open = indexedDB.open("ocop-outbox", 1);
      open.onupgradeneeded = function () { open.result.createObjectStore("items", { keyPath: "id", autoIncrement: true }); };
      open.onsuccess = function () { resolve(open.result); };
      open.onerror = function () { reject(open.error); };
    });
  }
  function tx(mode, work) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction("items", mode);
        var out = work(t.objectStore("items"));
        t.oncomplete = function () { resolve(out && out.result !== undefined ? out.result : out); };
        t.onerror = t.onabort = function () { reject(t.error); };
      });
    });
  }
  function all() {  // the items of the account signed in (the worker's: whoever /offline/state names)
    return tx("readonly", function (s) { return s.getAll(); }).then(function (items) {
      return items.filter(function (i) { return i.user === store.user; });
    });
  }
  function put(item) { return tx("readwrite", function (s) { return s.put(item); }); }
  function putThen(item, result) { return put(item).then(function () { return result; }); }
  function drop(id) { return tx("readwrite", function (s) { return s["delete"](id); }); }
  function pending(items) {  // the items a send takes: not those waiting for the member
    return items.filter(function (i) { return i.state === "waiting" || i.state === "sending" || i.state === "login"; });
  }
  var store = scope.ocopStore = { user: page ? Number(me.content) : null, all: all, put: put, putThen: putThen, drop: drop, pending: pending };
  if (!page) { return; }  // the worker imports outbox-send.js for the rest
  var user = store.user;
  var sendUrl = document.currentScript && document.currentScript.getAttribute("data-send");

  function newKey() {
    return crypto.randomUUID ? crypto.randomUUID() : Date.now() + "-" + Math.random().toString(36).slice(2);
  }
  function labelOf(form, field) {
    var label = (field.id && form.querySelector('label[for="' + field.id + '"]')) || (field.closest && field.closest("label"));
    return label ? label.firstChild.textContent.trim() : field.name;
  }
  function shownValue(field, value) {
    return field.tagName === "SELECT" && field.selectedIndex >= 0 ? field.options[field.selectedIndex].text : value;
  }

  // --- queueing ------------------------------------------------------------
  function queue(form, submitter) {
    return all().then(function (items) {
      if (items.length >= MAX_ITEMS) {
        say("Hàng chờ đã đủ " + MAX_ITEMS + " việc. Hãy đợi có mạng để gửi bớt rồi ghi tiếp.", form);
        return;
      }
      return keep(form, submitter);
    });
  }
  function keep(form, submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
    var shown = [];
    var fields = [];
    var files = [];
    data.forEach(function (value, name) {
      if (name === "csrf_token") { return; }
      if (typeof value === "string") { fields.push([name, value]); } else if (value.size) { files.push([name, value]); }
      var field = form.elements[name];
      if (field && field.type !== "hidden" && typeof value === "string" && value) { shown.push([labelOf(form, field), shownValue(field, value)]); }
    });
    var base = {
      user: user, url: form.getAttribute("action"), page: location.pathname,
      what: form.getAttribute("data-outbox"),
      title: form.getAttribute("data-outbox-name") ? data.get(form.getAttribute("data-outbox-name")) : (document.querySelector("h1") || {}).textContent || "",
      record: form.getAttribute("data-outbox-record"), at: Date.now(), state: "waiting"
    };
    var shrink = window.ocopShrink || function (f) { return Promise.resolve(f); };
    var makes = files.length ? files.map(function (f) {  // one photo an item, as the page takes them
      return shrink(f[1]).then(function (blob) {
        return { fields: fields.concat([[f[0], blob, f[1].name || "anh.jpg"]]), shown: shown.concat([["Ảnh", f[1].name || "ảnh"]]) };
      });
    }) : [Promise.resolve({ fields: fields, shown: shown })];
    return Promise.all(makes).then(function (parts) {
      return parts.reduce(function (chain, part) {
        return chain.then(function () {
          var item = Object.assign({ key: newKey(), fields: part.fields, shown: part.shown }, base);
          return put(item);
        });
      }, Promise.resolve());
    }).then(function () {
      form.reset();
      say("Đã lưu vào hàng chờ trên điện thoại. Sẽ tự gửi khi có mạng.", form);
      if (navigator.serviceWorker) {  // Background Sync, where the browser has it
        navigator.serviceWorker.ready.then(function (r) { return r.sync && r.sync.register("outbox"); }).then(null, function () {});
      }
      return refreshCount();
    }, function () {
      say("Không lưu được vào hàng chờ: bộ nhớ điện thoại có thể đã đầy. Hãy xóa bớt ảnh hoặc ứng dụng rồi thử lại.", form);
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (navigator.onLine || !form.hasAttribute("data-outbox")) { return; }
    event.preventDefault();
    event.stopPropagation();
    queue(form, event.submitter);
  }, true);

  // --- sending: outbox-send.js, fetched only when something waits ---------
  function sender() {
    if (scope.ocopSend) { return Promise.resolve(scope.ocopSend); }
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = sendUrl;
      script.onload = function () { resolve(scope.ocopSend); };
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }
  function flush() {
    if (!navigator.onLine) { return Promise.resolve(); }
    return all().then(function (items) {
      return pending(items).length && sender().then(function (s) { return s.flush(); });
    }).then(null, function () { /* the sender did not load: no network yet */ });
  }

  // --- what the member sees ------------------------------------------------
  function say(text, near) {  // at the top of the page, or just above the form sent
    var main = document.getElementById("main");
    if (!main) { return; }
    var p = document.getElementById("outbox-say") || document.createElement("p");
    p.id = "outbox-say";
    p.className = "notice";
    p.setAttribute("role", "status");
    p.textContent = text;
    if (near) { near.parentNode.insertBefore(p, near); } else { main.insertBefore(p, main.firstChild); }
  }
  var queued = 0;  // the member's items, as last counted (sign-out asks first when any)
  function refreshCount() {
    return all().then(function (items) {
      queued = items.length;
      var bar = document.getElementById("outbox-count");
      var who = document.querySelector(".whoami");
      if (!bar && who) {
        var line = el("p", null, "outbox-bar");
        bar = el("a");
        bar.id = "outbox-count";
        bar.href = "/offline/outbox";
        line.appendChild(bar);
        who.parentNode.insertBefore(line, who.nextSibling);
      }
      if (bar) {
        bar.parentNode.hidden = !items.length;
        var login = items.some(function (i) { return i.state === "login"; });
        var stuck = items.filter(function (i) { return i.state === "conflict" || i.state === "refused"; }).length;
        bar.href = login ? "/login?next=/offline/outbox" : "/offline/outbox";
        bar.textContent = items.length + " việc chờ gửi" + (login ? " — đăng nhập lại để gửi" : stuck ? " (" + stuck + " cần xem)" : "");
      }
      if (window.ocopOutboxPage) { window.ocopOutboxPage(items); }
    });
  }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text) { e.textContent = text; }
    if (cls) { e.className = cls; }
    return e;
  }
  // --- sign-out, another account, the service worker ----------------------
  var logout = document.querySelector('form[action="/logout"]');
  if (logout) {
    logout.addEventListener("submit", function (event) {
      // Nothing queued (as last counted): sign out at once; the worker forgets
      // the kept pages as the form goes.
      if (logout.getAttribute("data-go") || !queued) { return; }
      event.preventDefault();
      all().then(function (items) {
        if (items.length && !logout.getAttribute("data-warned")) {
          logout.setAttribute("data-warned", "1");
          say("Còn " + items.length + " việc chưa gửi (xem ở Hàng chờ). Đăng xuất sẽ xóa chúng khỏi điện thoại; bấm Đăng xuất lần nữa nếu vẫn muốn.");
          return;
        }
        forget(items).then(function () { logout.setAttribute("data-go", "1"); logout.submit(); });
      });
    });
  }
  function forget(items) {
    var gone = Promise.all(items.map(function (i) { return drop(i.id); }));
    var pages = window.caches ? caches.delete("ocop-pages") : Promise.resolve();
    return Promise.all([gone, pages]).then(null, function () {});
  }
  if (localStorage.getItem("ocop-user") !== String(user)) {  // another account: nothing of the last
    if (window.caches) { caches.delete("ocop-pages"); }
    localStorage.setItem("ocop-user", String(user));
    localStorage.removeItem("ocop-kept-at");
  }

  window.addEventListener("online", function () { flush(); refresh(); });
  window.addEventListener("offline", function () { say("Đang ngoại tuyến — việc ghi sẽ được lưu vào hàng chờ trên điện thoại."); });
  function refresh() {
    var last = Number(localStorage.getItem("ocop-kept-at") || 0);
    if (!navigator.onLine || !navigator.serviceWorker || !navigator.serviceWorker.controller || Date.now() - last < 600000) { return; }
    localStorage.setItem("ocop-kept-at", String(Date.now()));
    navigator.serviceWorker.controller.postMessage({ type: "refresh" });
  }
  if (navigator.serviceWorker) {
    navigator.serviceWorker.register("/sw.js").then(function () { return navigator.serviceWorker.ready; }).then(refresh, function () {});
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "flush") { flush(); }
      if (event.data && event.data.type === "sent") { refreshCount(); }
      if (event.data && event.data.type === "refreshed") { document.documentElement.setAttribute("data-kept", event.data.count + ":" + event.data.bytes); }
    });
    navigator.serviceWorker.addEventListener("controllerchange", refresh);
  }
  window.ocopOutbox = { flush: flush, all: all, put: put, drop: drop, el: el, refreshCount: refreshCount };
  refreshCount().then(flush);
  setInterval(flush, 60000);  // a link that came back without an "online" event
})(self);
