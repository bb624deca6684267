/* The team phone's service worker (served as /sw.js, after RELEASE and SHELL).
 * Keeps the app's files, and the pages a member opened or the hamlet's
 * records (/offline/pages) while online; when the network fails, answers a
 * page from what it kept, saying so and from when. Never keeps a form's
 * answer, another site's file or a page with a query. A sign-in or sign-out
 * forgets every kept page: a second account never sees the first's. */
"use strict";
importScripts(OUTBOX, OUTBOX_SEND);
var FILES = "ocop-files-" + RELEASE;
var PAGES = "ocop-pages";
var SAVED = "x-ocop-saved-at";
var KEPT = /^\/(worklist|offline\/outbox|products\/(\d+|new)|producers\/(\d+(\/edit)?|new))$/;
var MAX_PAGES = 320;
var PUBLIC = /^\/(p|h|guides)(\/|$)/;

self.addEventListener("install", function (event) {
  var outbox = fetch("/offline/outbox", { credentials: "same-origin" }).then(function (r) {
    return html(r) && !r.redirected ? keep("/offline/outbox", r) : null;
  }).then(null, function () { return null; });
  event.waitUntil(caches.open(FILES).then(function (c) { return c.addAll(SHELL); })
    .then(function () { return outbox; })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) {
      return n.indexOf("ocop-files-") === 0 && n !== FILES;
    }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function keep(path, response) {
  return response.blob().then(function (body) {
    var headers = new Headers(response.headers);
    headers.set(SAVED, String(Date.now()));
    return caches.open(PAGES).then(function (cache) {
      return cache.put(path, new Response(body, { status: 200, headers: headers }))
        .then(function () { return cache.keys(); })
        .then(function (keys) {  // oldest first: drop beyond the bound
          return Promise.all(keys.slice(0, Math.max(0, keys.length - MAX_PAGES))
            .map(function (k) { return cache.delete(k); }));
        })
        .then(function () { return body.size; });
    });
  });
}

function html(response) {
  return response.ok && (response.headers.get("content-type") || "").indexOf("text/html") === 0;
}

function when(ms) {
  var d = new Date(ms);
  var two = function (n) { return (n < 10 ? "0" : "") + n; };
  return two(d.getHours()) + ":" + two(d.getMinutes()) + " ngày " + d.getDate() + "/" + (d.getMonth() + 1);
}

function withBanner(response, text) {
  return response.text().then(function (page) {
    var banner = '<p class="offline-banner" role="status">' + text + "</p>";
    page = page.replace('<main id="main">', '<main id="main">' + banner);
    return new Response(page, { headers: { "Content-Type": "text/html; charset=utf-8", "X-Ocop-Offline": "1" } });
  });
}

function offlinePage(path) {
  return caches.open(PAGES).then(function (cache) {
    return cache.match(path).then(function (hit) {
      if (hit) {
        return withBanner(hit, "Đang ngoại tuyến — dữ liệu lúc " + when(Number(hit.headers.get(SAVED))));
      }
      return cache.match("/offline/outbox").then(function (outbox) {
        var text = "Đang ngoại tuyến — trang này chưa được lưu trên điện thoại.";
        if (outbox) { return withBanner(outbox, text); }
        return new Response('<!doctype html><html lang="vi"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Ngoại tuyến</title><p>' + text + "</p></html>",
          { headers: { "Content-Type": "text/html; charset=utf-8" } });
      });
    });
  });
}

function page(request, url) {
  return fetch(request).then(function (response) {
    if (html(response) && !url.search && KEPT.test(url.pathname)) {
      var copy = response.clone();
      return keep(url.pathname, copy).then(function () { return response; }, function () { return response; });
    }
    return response;
  }, function () { return offlinePage(url.pathname); });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === "POST" && (url.pathname === "/login" || url.pathname === "/logout")) {
    event.waitUntil(caches.delete(PAGES));
    return;
  }
  if (request.method !== "GET") { return; }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        if (response.ok) {
          var copy = response.clone();
          caches.open(FILES).then(function (c) { return c.put(request, copy); });
        }
        return response;
      });
    }));
    return;
  }
  // The public pages (a card's page, a household's link, the how-to sheets)
  // are never touched: the worker serves the signed-in app only.
  if (request.mode === "navigate" && !PUBLIC.test(url.pathname)) { event.respondWith(page(request, url)); }
});

/* Background Sync: the signal is back, even with every page of the app
 * closed: the queue is sent from here (outbox-send.js, imported above), and open
 * pages are told to redraw it. */
self.addEventListener("sync", function (event) {
  if (event.tag !== "outbox" || !self.ocopSend) { return; }
  event.waitUntil(self.ocopSend.flush());
});

/* "refresh": keep the hamlet's pages (one at a time, stopping at the first
 * failure); "forget": drop every kept page (sign-out, another account). */
self.addEventListener("message", function (event) {
  var data = event.data || {};
  var source = event.source;
  if (data.type === "forget") {
    event.waitUntil(caches.delete(PAGES));
  } else if (data.type === "refresh") {
    var bytes = 0;
    var count = 0;
    event.waitUntil(fetch("/offline/pages", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("pages " + r.status); } return r.json(); })
      .then(function (list) {
        return list.urls.reduce(function (chain, path) {
          return chain.then(function () {
            return fetch(path, { credentials: "same-origin", headers: { Accept: "text/html" } }).then(function (r) {
              if (!html(r) || r.redirected) { return; }
              return keep(path, r).then(function (size) { bytes += size; count += 1; });
            });
          });
        }, Promise.resolve());
      })
      .then(function () { return { ok: true }; }, function () { return { ok: false }; })
      .then(function (result) {
        if (source) { source.postMessage({ type: "refreshed", ok: result.ok, count: count, bytes: bytes }); }
      }));
  }
});
