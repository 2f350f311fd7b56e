// Starts Swagger UI (vendored swagger-ui-bundle.js, a classic deferred
// script that defines window.SwaggerUIBundle; module scripts run after
// it) on this server's /openapi.json. Try-it calls the origin this page
// came from: the document's servers entry is the configured BACKEND_URL,
// which a browser behind a proxy or on localhost may not reach, and the
// page's CSP allows this origin only.
const specURL = document.getElementById('spec').getAttribute('href');
const root = document.getElementById('swagger-ui');

async function start() {
  let spec;
  try {
    const res = await fetch(specURL, { headers: { Accept: 'application/json' }, credentials: 'omit' });
    if (!res.ok) throw new Error('HTTP ' + res.status);
    spec = await res.json();
  } catch (e) {
    root.textContent = 'Could not load ' + specURL + ': ' + e.message;
    return;
  }
  spec.servers = [{ url: location.origin, description: 'This server' }];
  window.ui = window.SwaggerUIBundle({
    spec,
    dom_id: '#swagger-ui',
    deepLinking: true,
    persistAuthorization: false, // credentials stay in this page's memory
    validatorUrl: null, // no third-party validator badge
    displayRequestDuration: true,
    filter: true,
  });
}

start();
