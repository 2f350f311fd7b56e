package webapp_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"bobbin/internal/apitest"
)

// The mail links: a sign-in link, an email change, a newsletter
// subscription and its unsubscribe link, each completed on one click.
func TestMailLinkPages(t *testing.T) {
	t.Parallel()
	needBrowser(t)
	e := apitest.New(t)
	u := e.NewUser("user")
	support := e.NewUser("support")
	tb := newTab(t, e)

	// Sign-in link: asked for on the sign-in page, used from the mail.
	tb.open("/#/signin")
	tb.page("Sign in")
	tb.fill("#link-username", u.Email)
	tb.click("#signinlink-form button[type=submit]")
	tb.waitFor(`document.getElementById('link-sent').textContent !== ''`)
	link := mailLink(t, e, u.Email, "/signinlink/")
	tb.open(link)
	tb.page("Sign in with your link")
	tb.click("#link-form button[type=submit]")
	tb.page("Your account")
	// The link was used up: opening it again and pressing fails.
	tb.open(link)
	tb.page("Sign in with your link")
	tb.click("#link-form button[type=submit]")
	tb.waitFor(`!document.querySelector('#link-form .error').hidden`)

	// Email change: asked for on the security page, confirmed from the
	// mail to the new address in the same (signed-in) tab.
	newEmail := "new-" + u.Email
	tb.open("/#/account/security")
	tb.page("Security")
	tb.fill("#email-form input[name=email]", newEmail)
	tb.click("#email-form button[type=submit]")
	tb.waitFor(`document.getElementById('status').textContent.startsWith('We mailed')`)
	link = mailLink(t, e, newEmail, "/confirm/emailchange/")
	if got := e.Do("GET", "/account/key", nil, u.KeyAuth()).Expect(t, 200, "").Str("account.email"); got != u.Email {
		t.Fatalf("email changed before the link was used: %s", got)
	}
	tb.open(link)
	tb.page("Confirm your new email")
	tb.click("#emailchange-form button[type=submit]")
	tb.page("Your account")
	if got := tb.text("#acct-email"); got != newEmail {
		t.Fatalf("email shown %q", got)
	}

	// Newsletter: subscribe (API), confirm from the mail, unsubscribe
	// from the link.
	addr := "reader@example.com"
	sub := e.Do("POST", "/subscriber", map[string]any{"email": addr, "language": "en", "test": true}, apitest.None).Expect(t, 200, "")
	ehash := sub.Str("ehash")
	active := func() (found, on bool) {
		r := e.Do("GET", "/admin/subscribers/key", nil, support.KeyAuth()).Expect(t, 200, "")
		list, _ := r.Get("subscribers").([]any)
		for _, s := range list {
			m := s.(map[string]any)
			if m["ehash"] == ehash {
				return true, m["active"] == true
			}
		}
		return false, false
	}
	link = mailLink(t, e, addr, "/newsletter/subscribe")
	tb.open(strings.ReplaceAll(link, "&amp;", "&"))
	tb.page("Confirm your subscription")
	if _, on := active(); on {
		t.Fatal("opening the subscribe link confirmed it")
	}
	tb.click("#newsletter-confirm")
	tb.waitFor(`document.getElementById('newsletter-done').textContent !== ''`)
	if found, on := active(); !found || !on {
		t.Fatalf("subscription after the click: found %v, active %v", found, on)
	}
	tb.open("/newsletter/unsubscribe?i=" + ehash) // where GET /ocunsub/{ehash} leads
	tb.page("Unsubscribe")
	if found, _ := active(); !found {
		t.Fatal("opening the unsubscribe link unsubscribed")
	}
	tb.click("#unsubscribe-confirm")
	tb.waitFor(`document.getElementById('unsubscribe-done').textContent !== ''`)
	if found, on := active(); found && on {
		t.Fatal("still subscribed after the click")
	}
	tb.noPageErrors(failedLoad)
}

// /docs: Swagger UI renders this server's document, offers both schemes
// under Authorize, and tries routes against this server, with a bearer
// token given under Authorize.
func TestDocsPage(t *testing.T) {
	// Not parallel: rendering the whole API description is the heaviest
	// page; it runs alone before the other browser tests, not starved by
	// them (on a loaded machine under -race it outran its tab's deadline).
	needBrowser(t)
	e := apitest.New(t)
	u := e.NewUser("user")
	tb := newTab(t, e)
	tb.open("/docs")
	tb.waitFor(`document.querySelector('.swagger-ui .opblock-tag')`)
	tb.click(".swagger-ui .btn.authorize")
	tb.waitFor(`document.querySelector('.swagger-ui .modal-ux')`)
	modal := strings.ToLower(tb.text(".swagger-ui .modal-ux"))
	if !strings.Contains(modal, "bearer") || !strings.Contains(modal, "basic") {
		t.Fatalf("authorize dialog lacks a scheme: %q", modal)
	}
	// Give the bearer token, and an API key and its secret for basic.
	tb.eval(`(() => { const box = (re) => [...document.querySelectorAll('.swagger-ui .modal-ux .auth-container')].find(c => re.test(c.querySelector('h4').textContent));
		const b = box(/bearer/i), k = box(/basic/i);
		b.querySelector('input').setAttribute('data-test', 'bearer'); b.querySelector('button.authorize').setAttribute('data-test', 'bearer-go');
		k.querySelector('input[type=text]').setAttribute('data-test', 'basic-user'); k.querySelector('input[type=password]').setAttribute('data-test', 'basic-pass');
		k.querySelector('button.authorize').setAttribute('data-test', 'basic-go'); return 1; })()`)
	tb.fill(`input[data-test=bearer]`, u.Token)
	tb.click(`button[data-test=bearer-go]`)
	tb.fill(`input[data-test=basic-user]`, u.Key)
	tb.fill(`input[data-test=basic-pass]`, u.Secret)
	tb.click(`button[data-test=basic-go]`)
	tb.click(".swagger-ui .modal-ux .close-modal")

	try := func(tag, block, want string) {
		t.Helper()
		tb.fill(".swagger-ui .operation-filter-input", tag)
		tb.waitFor(fmt.Sprintf(`document.querySelector('.swagger-ui .opblock-tag[data-tag=%q]')`, tag))
		tb.click(block + " .opblock-summary-control")
		tb.click(block + ".is-open .try-out__btn")
		tb.click(block + ".is-open .execute")
		tb.waitFor(fmt.Sprintf(`[...document.querySelectorAll(%q)].some(c => c.textContent.trim() === %q)`, block+".is-open .live-responses-table td.response-col_status", want))
	}
	try("health", ".swagger-ui #operations-health-getHealth", "200")
	try("whoami", ".swagger-ui #operations-whoami-getWhoamiJwt", "200")
	if body := tb.text(".swagger-ui #operations-whoami-getWhoamiJwt .live-responses-table"); !strings.Contains(body, u.Email) {
		t.Fatalf("whoami through the docs: %q", body)
	}
	// The key's route: Swagger UI sends the key and secret as Basic.
	try("whoami", ".swagger-ui #operations-whoami-getWhoamiKey", "200")
	if body := tb.text(".swagger-ui #operations-whoami-getWhoamiKey .live-responses-table"); !strings.Contains(body, u.Key) {
		t.Fatalf("whoami/key through the docs: %q", body)
	}
	tb.noPageErrors()
}

// Every control is labelled, and no page scrolls sideways at phone width.
func TestPagesAccessible(t *testing.T) {
	t.Parallel()
	needBrowser(t)
	e := apitest.New(t)
	admin := e.NewUser("admin")
	set := e.Do("POST", "/sets/key", map[string]any{"name": "Sam"}, admin.KeyAuth()).Expect(t, 201, "")
	pattern := e.Do("POST", "/patterns/key", map[string]any{"design": "aaron", "name": "Tee", "settings": map[string]any{}}, admin.KeyAuth()).Expect(t, 201, "")
	cset := e.Do("POST", "/curated-sets/key", map[string]any{"nameEn": "Model B"}, admin.KeyAuth()).Expect(t, 201, "")
	pack := e.Do("POST", "/option-packs/key", map[string]any{"design": "aaron", "nameEn": "Loose", "options": map[string]any{"chestEase": 0.1}}, admin.KeyAuth()).Expect(t, 201, "")
	e.Do("POST", "/curated-sets/suggest/key", map[string]any{"name": "Tall me", "set": set.Num("set.id"), "height": "180cm", "img": tinyPNG}, admin.KeyAuth()).Expect(t, 200, "")
	e.Do("POST", "/option-packs/suggest/key", map[string]any{"design": "aaron", "name": "Roomy", "notes": "more ease", "options": map[string]any{"chestEase": 0.1}}, admin.KeyAuth()).Expect(t, 200, "")
	other := e.NewUser("user")
	tb := newTab(t, e)
	check := func(where string) {
		t.Helper()
		bad := tb.eval(`[...document.querySelectorAll('input, select, textarea, button, img')].filter(el => {
			if (el.closest('[hidden]') || el.type === 'hidden' || el.getAttribute('aria-hidden') === 'true') return false;
			if (el.tagName === 'IMG') return !el.alt;
			if (el.tagName === 'BUTTON') return !(el.textContent.trim() || el.getAttribute('aria-label'));
			return !(el.labels && el.labels.length) && !el.getAttribute('aria-label');
		}).map(el => el.outerHTML.slice(0, 80)).join(' | ')`)
		if bad != "" {
			t.Errorf("%s: unlabelled controls: %s", where, bad)
		}
		if over := tb.eval(`document.documentElement.scrollWidth > document.documentElement.clientWidth`); over != "false" {
			t.Errorf("%s: scrolls sideways at %s px", where, tb.eval(`innerWidth`))
		}
		if low := tb.eval("(" + a11yJS + ", a11y.lowContrast().join(' | '))"); low != "" {
			t.Errorf("%s: text below WCAG AA contrast: %s", where, low)
		}
		if strings.HasSuffix(where, " 375 px") { // the keyboard at phone width, where the layout differs most
			tb.keyboard(where)
		}
	}
	e.Do("POST", "/signup", map[string]any{"email": "new@example.com", "language": "en"}, apitest.None).Expect(t, 201, "")
	pages := []struct{ path, title string }{
		{"/#/signin", "Sign in"}, {"/#/signup", "Sign up"},
		// The mail links' pages: a live signup confirmation (its consent
		// form), the others as they open before anything is checked.
		{mailLink(t, e, "new@example.com", "/confirm/signup/"), "Confirm your account"},
		{"/signinlink/0a/0b", "Sign in with your link"}, {"/confirm/emailchange/0a/0b", "Confirm your new email"},
		{"/newsletter/subscribe?id=1&ehash=0b", "Confirm your subscription"}, {"/newsletter/unsubscribe?i=0b", "Unsubscribe"},
	}
	signedIn := []struct{ path, title string }{
		{"/#/account", "Your account"}, {"/#/account/security", "Security"}, {"/#/account/data", "Your data"},
		{"/#/apikeys", "API keys"}, {"/#/sets", "Measurement sets"}, {"/#/sets/" + set.Str("set.id"), "Sam"},
		{"/#/patterns", "Patterns"}, {"/#/patterns/" + pattern.Str("pattern.id"), "Tee"},
		{"/#/staff/curated", "Curated sets"}, {"/#/staff/curated/" + cset.Str("curatedSet.id"), "Model B"}, {"/#/staff/packs", "Option packs"},
		{"/#/staff/packs/" + pack.Str("optionPack.id"), "Loose"}, {"/#/staff/suggestions", "Suggestions"},
		{"/#/staff/users", "Users"}, {fmt.Sprintf("/#/staff/users/%d", admin.ID), admin.Username}, {fmt.Sprintf("/#/staff/users/%d", other.ID), other.Username},
	}
	for _, width := range []int64{375, 1280} {
		tb.do(chromedp.EmulateViewport(width, 800))
		for _, p := range pages {
			tb.open(p.path)
			tb.page(p.title)
			check(fmt.Sprintf("%s at %d px", p.path, width))
		}
		tb.signIn(admin.Email, admin.Password)
		tb.page("Your account")
		for _, p := range signedIn {
			tb.open(p.path)
			tb.page(p.title)
			check(fmt.Sprintf("%s at %d px", p.path, width))
		}
		tb.click("#signout")
		tb.page("Sign in")
	}
	tb.noPageErrors(failedLoad)
}

// a11yJS defines a11y in the page: WCAG 2 contrast of text on its
// backgrounds (alpha composited up the tree), the focus ring of the
// focused element, and the controls a keyboard must reach.
const a11yJS = `window.a11y = window.a11y || (() => {
	const parse = (c) => { const m = /rgba?\(([^)]*)\)/.exec(c || ''); if (!m) return null;
		const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
	const over = (top, under) => ({ r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a), b: top.b * top.a + under.b * (1 - top.a), a: 1 });
	const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
		return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
	const ratio = (x, y) => { const a = lum(x), b = lum(y); return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); };
	const background = (el) => {
		const layers = [];
		for (let e = el; e; e = e.parentElement) {
			const c = parse(getComputedStyle(e).backgroundColor);
			if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
		}
		return layers.reduceRight((under, top) => over(top, under), { r: 255, g: 255, b: 255, a: 1 });
	};
	const shown = (el) => el.getClientRects().length > 0 && !el.closest('[hidden]') && getComputedStyle(el).visibility !== 'hidden';
	const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' "' + (el.textContent || el.value || '').trim().slice(0, 30) + '"';
	// Text below 4.5:1 (3:1 when large: 24px, or 18.66px bold).
	const lowContrast = () => {
		const bad = [];
		for (const el of document.body.querySelectorAll('*')) {
			if (![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
			if (!shown(el) || el.closest(':disabled, .skip')) continue;
			const cs = getComputedStyle(el), bg = background(el), fg = over(parse(cs.color), bg);
			const size = parseFloat(cs.fontSize), large = size >= 24 || (size >= 18.66 && Number(cs.fontWeight) >= 700);
			const r = ratio(fg, bg);
			if (r < (large ? 3 : 4.5)) bad.push(name(el) + ' ' + r.toFixed(2) + ':1');
		}
		return bad;
	};
	// The focused element's ring: an outline of 2px or more, 3:1 against
	// what surrounds it (WCAG 2.2 focus appearance, non-text contrast).
	const focusRing = () => {
		const el = document.activeElement;
		if (!el || el === document.body) return '';
		const cs = getComputedStyle(el);
		if (cs.outlineStyle === 'none' || parseFloat(cs.outlineWidth) < 2) return name(el) + ': no visible focus';
		const r = ratio(over(parse(cs.outlineColor), background(el.parentElement)), background(el.parentElement));
		return r < 3 ? name(el) + ': focus ring ' + r.toFixed(2) + ':1' : '';
	};
	// The controls Tab must reach: one per radio group.
	const controls = () => {
		const seen = new Set();
		return [...document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]')].filter((el) => {
			if (el.disabled || el.tabIndex < 0 || el.type === 'hidden' || el.getAttribute('aria-hidden') === 'true') return false;
			if (!shown(el) && !el.classList.contains('skip')) return false;
			if (el.type === 'radio') { if (seen.has(el.name)) return false; seen.add(el.name); }
			return true;
		});
	};
	return { lowContrast, focusRing, controls, name };
})()`

// keyboard tabs through the page from its start: every control is
// reached (a radio group by any of its buttons), and each shows a focus
// ring that stands out from its surroundings.
func (tb *tab) keyboard(where string) {
	tb.t.Helper()
	n, _ := strconv.Atoi(tb.eval("(" + a11yJS + ", document.activeElement.blur(), a11y.controls().length)"))
	var rings []string
	reached := map[string]bool{}
	tb.eval(`(() => { a11y.controls().forEach((el, i) => { el.dataset.kb = i; }); return 1; })()`)
	for i := 0; i < n+3; i++ {
		tb.do(chromedp.KeyEvent(kb.Tab))
		got := tb.eval(`(() => { const el = document.activeElement; const k = el && el.dataset ? (el.type === 'radio' ? 'radio:' + el.name : el.dataset.kb) : '';
			return (k || '') + '\n' + a11y.focusRing(); })()`)
		k, ring, _ := strings.Cut(got, "\n")
		reached[k] = true
		if ring != "" {
			rings = append(rings, ring)
		}
	}
	missed := tb.eval(`a11y.controls().filter((el) => !` + jsSet(reached) + `.has(el.type === 'radio' ? 'radio:' + el.name : el.dataset.kb)).map(a11y.name).join(' | ')`)
	if missed != "" {
		tb.t.Errorf("%s: not reached by Tab: %s", where, missed)
	}
	if len(rings) > 0 {
		tb.t.Errorf("%s: focus not visible: %s", where, strings.Join(slices.Compact(rings), " | "))
	}
}

// jsSet is a JavaScript Set of the keys of m.
func jsSet(m map[string]bool) string {
	b, _ := json.Marshal(slices.Collect(maps.Keys(m)))
	return "new Set(" + string(b) + ")"
}

// The first load of the sign-in page: total bytes (compressed, as sent)
// must stay under 300 KB; the time until the form is ready is logged
// (docs/web.md), not asserted.
func TestSigninPageWeight(t *testing.T) {
	t.Parallel()
	needBrowser(t)
	e := apitest.New(t)
	tb := newTab(t, e)
	tb.open("/")
	tb.page("Sign in")
	tb.waitFor(`document.readyState === 'complete'`)
	raw := tb.eval(`JSON.stringify((() => {
		const nav = performance.getEntriesByType('navigation')[0];
		const res = performance.getEntriesByType('resource');
		const ready = performance.getEntriesByName('bobbin-ready')[0];
		return {
			transfer: nav.transferSize + res.reduce((a, r) => a + r.transferSize, 0),
			body: nav.encodedBodySize + res.reduce((a, r) => a + r.encodedBodySize, 0),
			decoded: nav.decodedBodySize + res.reduce((a, r) => a + r.decodedBodySize, 0),
			files: 1 + res.length,
			names: res.map(r => r.name.replace(location.origin, '')),
			ready: ready ? ready.startTime : -1,
			dcl: nav.domContentLoadedEventEnd,
			load: nav.loadEventEnd,
		};
	})())`)
	var m struct {
		Transfer, Body, Decoded, Files int
		Names                          []string
		Ready, DCL, Load               float64
	}
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatal(err, raw)
	}
	t.Logf("sign-in page, first load: %d files, %d bytes transferred (%d compressed bodies, %d decoded); %v",
		m.Files, m.Transfer, m.Body, m.Decoded, m.Names)
	t.Logf("sign-in page: interactive (form drawn, handlers bound) at %.0f ms; DOMContentLoaded %.0f ms; load %.0f ms", m.Ready, m.DCL, m.Load)
	if m.Transfer <= 0 || m.Ready <= 0 {
		t.Fatalf("no measurement: %s", raw)
	}
	if m.Transfer >= 300_000 {
		t.Fatalf("first load is %d bytes, the budget is 300 KB", m.Transfer)
	}
	for _, n := range m.Names {
		if strings.HasPrefix(n, "/docs/") {
			t.Fatalf("the app loads the docs renderer: %s", n)
		}
	}
}

// TestScreenshots writes the README's screenshots when
// BOBBIN_SCREENSHOTS names a folder (go test -run Screenshots ./internal/webapp).
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("BOBBIN_SCREENSHOTS")
	if dir == "" {
		t.Skip("set BOBBIN_SCREENSHOTS=docs to write the README's screenshots")
	}
	needBrowser(t)
	e := apitest.New(t)
	u := e.NewUser("curator")
	e.Do("PATCH", "/account/jwt", map[string]any{"username": "sam", "bio": "I sew shirts."}, u.JWT()).Expect(t, 200, "")
	tb := newTab(t, e)
	tb.do(chromedp.EmulateViewport(1280, 900))
	tb.signIn(u.Email, u.Password)
	tb.page("Your account")
	shot := func(name string, full bool) {
		a := chromedp.CaptureScreenshot()
		if full {
			a = chromedp.FullScreenshot(100)
		}
		png, err := chromedp.Run(tb.ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tb.eval(`document.activeElement.blur(), 1`)
	shot("web-account.png", true)
	tb.open("/docs")
	tb.waitFor(`document.querySelector('.swagger-ui .opblock-tag')`)
	tb.do(chromedp.EmulateViewport(1280, 1100))
	shot("web-docs.png", false)
}

// A page opened while another is still loading stays: the older page,
// whose answer comes later, draws nothing over it. The browser holds the
// account page's GET /account/jwt until the next page is drawn.
func TestPageOpenedWhileAnotherLoads(t *testing.T) {
	t.Parallel()
	_, _, tb := signedIn(t, "user")
	tb.open("/#/sets")
	tb.page("Measurement sets")

	paused := make(chan fetch.RequestID, 1)
	tb.listen(func(ev any) {
		if ev, ok := ev.(*fetch.EventRequestPaused); ok {
			paused <- ev.RequestID
		}
	})
	if _, err := chromedp.Call(tb.ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*/account/jwt"}}}); err != nil {
		t.Fatal(err)
	}
	settled := func() int { n, _ := strconv.Atoi(tb.eval(`document.body.dataset.settled`)); return n }
	before := settled()
	tb.eval(`location.hash = '#/account'`)
	var held fetch.RequestID
	select {
	case held = <-paused:
	case <-tb.ctx.Done():
		t.Fatal("GET /account/jwt was never sent")
	}
	tb.eval(`location.hash = '#/patterns'`)
	tb.page("Patterns")
	if _, err := chromedp.Call(tb.ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: held}); err != nil {
		t.Fatal(err)
	}
	// Both pages' routes have ended: the account page's too.
	tb.waitFor(fmt.Sprintf(`Number(document.body.dataset.settled) >= %d`, before+2))
	if got := tb.text("main h1"); got != "Patterns" {
		t.Fatalf("the page that loaded last drew over the one opened last: %q", got)
	}
	tb.noPageErrors(failedLoad)
}
