// Starts Swagger UI (served from its PyPI package) without an inline script.
"use strict";
(function () {
  var el = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({ url: el.dataset.openapiUrl, dom_id: "#swagger-ui" });
})();
