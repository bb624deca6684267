/* Photo upload on the product page: progressive enhancement of the plain form.
 * Each chosen photo is shrunk to at most 2048 px in a canvas (when the browser
 * can decode it; HEIC goes as it is and the server converts it), then sent on
 * its own with an Idempotency-Key, so a retry after a dropped link never makes
 * a second photo. Each photo shows its state: waiting, sending, done, failed. */
(function () {
  "use strict";
  var MAX_SIDE = 2048;
  function shrink(file) {
    // Resolves with a JPEG blob ≤ MAX_SIDE, or the file itself if not decodable here.
    if (!window.createImageBitmap || !/^image\/(jpeg|png|webp)$/.test(file.type)) {
      return Promise.resolve(file);
    }
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bmp) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bmp.width, bmp.height));
      if (scale === 1 && file.size < 1500000) { bmp.close(); return file; }
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bmp.width * scale);
      canvas.height = Math.round(bmp.height * scale);
      var ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(bmp, 0, 0, canvas.width, canvas.height);
      bmp.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob || file); }, "image/jpeg", 0.88);
      });
    }, function () { return file; });
  }

  window.ocopShrink = shrink;  // the outbox queues photos shrunk the same way
  var form = document.querySelector("form[data-photo-upload]");
  if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
  var input = form.querySelector("input[type=file]");
  var queue = form.querySelector("[data-queue]");
  var api = form.getAttribute("data-api");
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var STATES = { waiting: "Đang chờ", sending: "Đang gửi…", done: "Đã xong", failed: "Lỗi" };
  var items = [];
  var busy = false;
  input.multiple = true;

  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function setState(item, state, detail) {
    item.state = state;
    item.li.className = state;
    item.label.textContent = STATES[state] + (detail ? ": " + detail : "");
    item.retry.hidden = state !== "failed";
    if (state !== "sending") { item.bar.removeAttribute("value"); }
    item.bar.hidden = state !== "sending";
  }

  function send(item) {
    setState(item, "sending");
    var ready = item.blob ? Promise.resolve(item.blob) : shrink(item.file);
    return ready.then(function (blob) {
      item.blob = blob;
      return new Promise(function (resolve) {
        var xhr = new XMLHttpRequest();
        xhr.open("POST", api);
        xhr.setRequestHeader("X-CSRF-Token", csrf);
        xhr.setRequestHeader("Idempotency-Key", item.key);
        xhr.setRequestHeader("Accept", "application/json");
        xhr.setRequestHeader("Content-Type", blob.type || "application/octet-stream");
        xhr.timeout = 120000;
        xhr.upload.onprogress = function (e) {
          if (e.lengthComputable) { item.bar.max = e.total; item.bar.value = e.loaded; }
        };
        xhr.onload = function () {
          if (xhr.status === 200 || xhr.status === 201) { setState(item, "done"); resolve(true); return; }
          var message = "máy chủ trả lời " + xhr.status;
          try { message = JSON.parse(xhr.responseText).detail || message; } catch (e) { /* not JSON */ }
          setState(item, "failed", message);
          resolve(false);
        };
        xhr.onerror = xhr.ontimeout = function () {
          setState(item, "failed", "mất kết nối, hãy thử lại");
          resolve(false);
        };
        xhr.send(blob);
      });
    });
  }

  function pump() {
    if (busy) { return; }
    var next = items.filter(function (i) { return i.state === "waiting"; })[0];
    if (!next) {
      var allDone = items.length && items.every(function (i) { return i.state === "done"; });
      if (allDone) { window.location.assign(window.location.pathname + "?done=photo_added#anh"); }
      return;
    }
    busy = true;
    send(next).then(function () { busy = false; pump(); });
  }

  function add(file) {
    var li = document.createElement("li");
    var name = document.createElement("span");
    name.className = "name";
    name.textContent = file.name || "ảnh";
    var label = document.createElement("span");
    label.className = "state";
    var bar = document.createElement("progress");
    var retry = document.createElement("button");
    retry.type = "button";
    retry.textContent = "Thử lại";
    li.appendChild(name); li.appendChild(label); li.appendChild(retry); li.appendChild(bar);
    queue.appendChild(li);
    var item = { file: file, blob: null, key: newKey(), li: li, label: label, bar: bar, retry: retry };
    retry.addEventListener("click", function () { setState(item, "waiting"); pump(); });
    setState(item, "waiting");
    items.push(item);
  }

  form.addEventListener("submit", function (event) {
    if (!input.files || !input.files.length) { return; }
    event.preventDefault();
    Array.prototype.forEach.call(input.files, add);
    input.value = "";
    pump();
  });
})();
