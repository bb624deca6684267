/* The queue's page (/offline/outbox), drawn from the phone's outbox
 * (outbox.js): each item's state; for a conflict or a refusal, the member's
 * values beside the record as the server has it now, and the choice. */
(function () {
  "use strict";
  var O = window.ocopOutbox;
  if (!O) { return; }
  var el = O.el;
  var STATES = { waiting: "Chờ gửi", sending: "Đang gửi…", conflict: "Xung đột — cần bạn chọn",
    refused: "Bị từ chối — cần sửa", login: "Cần đăng nhập lại để gửi" };
  function serverMessage(html, record) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var said = doc.querySelectorAll(".form-summary .errors, .form-summary li, .errors");
    var text = Array.prototype.map.call(said, function (n) { return n.textContent.trim(); }).join(" ");
    try { text = text || JSON.parse(html).detail; } catch (e) { /* a page, not JSON */ }
    var part = record && doc.getElementById(record.replace(":", "-"));
    return { text: text, main: part || doc.getElementById("main") };
  }
  window.ocopOutboxPage = function (items) {
    var list = document.querySelector("[data-outbox-list]");
    if (!list) { return; }
    list.textContent = "";
    if (!items.length) { list.appendChild(el("p", "Không có việc nào chờ gửi.")); }
    items.forEach(function (item) {
      var li = el("section", null, "outbox-item " + item.state);
      li.appendChild(el("h2", item.what + (item.title ? " — " + item.title.trim() : "")));
      li.appendChild(el("p", STATES[item.state] + " · lưu lúc " + new Date(item.at).toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit" }), "state"));
      if (item.state === "waiting" || item.state === "sending" || item.state === "login") {
        li.appendChild(el("p", item.shown.map(function (x) { return x[1]; }).join(" · "), "shown"));
      }
      if (item.state === "login") {
        var again = el("a", "Đăng nhập lại");
        again.href = "/login?next=/offline/outbox";
        li.appendChild(again);
      }
      if (item.state === "conflict" || item.state === "refused") {
        var server = serverMessage(item.html || "", item.record);
        var why = item.state === "conflict" ? "Trong lúc bạn ngoại tuyến, hồ sơ này đã được người khác sửa. Xem bản trên máy chủ rồi chọn giữ bản nào." : server.text;
        if (why) { li.appendChild(el("p", why, "errors")); }
        li.appendChild(el("h3", "Bản của bạn"));
        var dl = el("dl", null, "facts");
        item.shown.forEach(function (s) { dl.appendChild(el("dt", s[0])); dl.appendChild(el("dd", s[1])); });
        li.appendChild(dl);
        if (server.main) {
          var more = el("details");
          more.appendChild(el("summary", "Trên máy chủ bây giờ"));
          var copy = document.importNode(server.main, true);
          Array.prototype.forEach.call(copy.querySelectorAll("script, form, details, .form-summary, #outbox-say, .guide-links"), function (n) { n.remove(); });
          copy.removeAttribute("id");
          copy.setAttribute("inert", "");
          more.appendChild(copy);
          li.appendChild(more);
        }
        var mine = el("button", item.state === "conflict" ? "Gửi bản của tôi" : "Mở trang để sửa");
        mine.type = "button";
        mine.addEventListener("click", function () {
          if (item.state !== "conflict") { location.assign(item.page); return; }
          self.ocopSend.freshVersion(item).then(function (now) {
            if (now !== null) { self.ocopSend.setVersion(item, now); }
            item.state = "waiting";
            delete item.base;
            delete item.rebased;
            return O.put(item);
          }).then(O.flush);
        });
        var theirs = el("button", item.state === "conflict" ? "Giữ bản trên máy chủ, bỏ bản của tôi" : "Bỏ việc này", "secondary");
        theirs.type = "button";
        theirs.addEventListener("click", function () { O.drop(item.id).then(O.refreshCount); });
        li.appendChild(mine);
        li.appendChild(theirs);
      }
      list.appendChild(li);
    });
    usage();
  };
  function usage() {
    var out = document.querySelector("[data-outbox-usage]");
    if (!out || !navigator.storage || !navigator.storage.estimate) { return; }
    navigator.storage.estimate().then(function (e) {
      out.textContent = "Dữ liệu lưu trên điện thoại: " + (e.usage / 1048576).toFixed(1) + " MB / tối đa " + (e.quota / 1048576).toFixed(0) + " MB.";
    });
  }

  O.refreshCount();
})();
