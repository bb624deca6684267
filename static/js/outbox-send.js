/* Sending the team phone's queue, in order, each item with its
 * Idempotency-Key, so sending twice writes once: loaded by outbox.js when
 * something waits, by the queue's page, and imported by the service worker
 * for Background Sync (with every page closed). A conflict or a refusal waits
 * for the member, later items of the same record behind it; an ended session
 * waits for a sign-in. One sender at a time between the pages and the worker. */
(function (scope) {
  "use strict";
  var store = scope.ocopStore;
  if (!store) { return; }
  var page = typeof document !== "undefined";
  var busy = false;

  function body(item) {
    var data = new FormData();
    item.fields.forEach(function (f) { if (f.length === 3) { data.append(f[0], f[1], f[2]); } else { data.append(f[0], f[1]); } });
    return data;
  }
  function currentVersion(html, url) {  // the version field of the form posting to url
    var at = html.indexOf('action="' + url + '"');
    var end = html.indexOf("</form>", at);
    var found = at < 0 ? null : /name="version" value="(\d+)"/.exec(html.slice(at, end < 0 ? html.length : end));
    return found ? found[1] : null;
  }
  function freshVersion(item) {  // the record's version now, read from its page
    return fetch(item.page, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { return currentVersion(html, item.url); }, function () { return null; });
  }
  function setVersion(item, version) {
    item.fields.forEach(function (f) { if (f[0] === "version") { f[1] = String(version); } });
  }
  function baseOf(item) {
    var f = item.fields.filter(function (x) { return x[0] === "version"; })[0];
    return f ? Number(f[1]) : null;
  }

  function post(item, token) {
    // The 303 is not followed (a page's download on a slow link); JSON asked
    // for, an ended session is a 401.
    return fetch(item.url, {
      method: "POST", body: body(item), credentials: "same-origin", redirect: "manual",
      headers: { "Idempotency-Key": item.key, "X-CSRF-Token": token, Accept: "application/json" }
    });
  }

  function sendOne(item, token, mine) {
    item.state = "sending";
    return store.put(item).then(function () { return post(item, token); }).then(function (r) {
      if (r.status === 401) { item.state = "login"; return store.putThen(item, "stop"); }
      if (r.ok || r.type === "opaqueredirect") {
        var base = item.base !== undefined ? item.base : baseOf(item);
        if (item.record && base !== null) {
          var k = item.record + "@" + base;
          mine[k] = (mine[k] || 0) + 1;
        }
        return store.drop(item.id).then(function () { return "sent"; });
      }
      return r.text().then(function (html) {
        var base = item.base !== undefined ? item.base : baseOf(item);
        var own = item.record && base !== null ? mine[item.record + "@" + base] || 0 : 0;
        var hold = function () {
          item.state = r.status === 409 ? "conflict" : (r.status >= 500 ? "waiting" : "refused");
          item.html = html.length < 200000 ? html : "";
          item.status = r.status;
          return store.putThen(item, r.status >= 500 ? "stop" : "held");
        };
        if (r.status !== 409 || !own || item.rebased) { return hold(); }
        // Changed since only by this phone's items sent just before: sent again on their version.
        return freshVersion(item).then(function (now) {
          if (now === null || Number(now) !== base + own) { return hold(); }
          item.base = base;
          item.rebased = true;
          setVersion(item, now);
          return sendOne(item, token, mine);
        });
      });
    }, function () {
      item.state = "waiting";
      return store.putThen(item, "stop");
    });
  }

  function state() {
    return fetch("/offline/state", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.status === 401 ? 401 : r.ok ? r.json() : null; });
  }
  var pending = store.pending;
  function send(st) {
    if (!st) { return; }
    if (st === 401) {  // only the page knows whose queue waits for a sign-in
      return page && store.all().then(function (items) {
        return Promise.all(pending(items).map(function (i) { i.state = "login"; return store.put(i); }));
      });
    }
    if (page && st.user !== store.user) { return; }
    store.user = st.user;
    return store.all().then(function (items) {
      var mine = {};
      var held = {};  // a record with an item waiting for the member: its later items wait too
      items.forEach(function (i) { if (i.state === "conflict" || i.state === "refused") { held[i.record || i.url] = true; } });
      return pending(items).reduce(function (chain, item) {
        return chain.then(function (last) {
          if (last === "stop" || held[item.record || item.url]) { return last; }
          return sendOne(item, st.csrf_token, mine).then(function (result) {
            if (result === "held") { held[item.record || item.url] = true; return "go"; }
            return result;
          });
        });
      }, Promise.resolve());
    });
  }
  function flush() {
    if (busy || (page && !navigator.onLine)) { return Promise.resolve(); }
    busy = true;
    var run = function () {  // the page asks the server only when something waits
      var asked = page ? store.all().then(function (items) { return pending(items).length ? state() : null; }) : state();
      return asked.then(send, function () { /* still no network */ });
    };
    var done = function () { busy = false; return page ? scope.ocopOutbox.refreshCount() : told().then(retry); };
    // One sender at a time between the pages and the worker, where the browser can tell.
    return (navigator.locks ? navigator.locks.request("ocop-outbox", run) : run()).then(done, done);
  }
  function retry() {  // the worker: a queue still waiting fails the sync, so the browser tries again later
    return store.user === null ? Promise.reject(new Error("no answer yet")) : store.all().then(function (items) {
      if (items.some(function (i) { return i.state === "waiting" || i.state === "sending"; })) { throw new Error("not sent yet"); }
    });
  }
  function told() {
    return scope.clients.matchAll({ type: "window" }).then(function (open) {
      open.forEach(function (client) { client.postMessage({ type: "sent" }); });
    });
  }
  scope.ocopSend = { flush: flush, freshVersion: freshVersion, setVersion: setVersion };
})(self);
