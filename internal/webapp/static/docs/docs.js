// Starts Swagger UI (vendored swagger-ui-bundle.js, a classic script that
// defines window.SwaggerUIBundle) on this server's /openapi.json. Module
// scripts run after deferred classic scripts, so the bundle is loaded.
const spec = document.getElementById('spec').getAttribute('href');
window.ui = window.SwaggerUIBundle({
  url: spec,
  dom_id: '#swagger-ui',
  deepLinking: true,
  tryItOutEnabled: false,
  persistAuthorization: false, // credentials stay in this page's memory
  validatorUrl: null, // no third-party validator badge
  displayRequestDuration: true,
  filter: true,
});
