package webapp_test

// The harness of the browser tests: one headless Debian chromium per test
// binary, a fresh browser context (storage, cache) per test, the tests run
// side by side in their own tabs, the page's console errors and CSP
// violations failing the test, and a screenshot saved on failure.

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"bobbin/internal/apitest"
)

var browser struct {
	once   sync.Once
	ctx    context.Context // a browser context that has run once
	cancel func()
	err    error
	skip   string // why there is no browser
}

// TestMain runs three browser tests per core at once (unless
// -test.parallel is given): each has its own server, database and browser
// context, and a test mostly waits for the page.
func TestMain(m *testing.M) {
	apitest.Parallel(3)
	code := m.Run()
	if browser.cancel != nil {
		browser.cancel()
	}
	os.Exit(code)
}

// chromiumPath finds Debian's chromium (BOBBIN_CHROMIUM overrides).
func chromiumPath() string {
	if p := os.Getenv("BOBBIN_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return ""
		}
		return p
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

func startBrowser() {
	path := chromiumPath()
	if path == "" {
		browser.skip = "chromium not found (apt-get install chromium; .ci/run installs it)"
		return
	}
	dir, err := os.MkdirTemp("", "bobbin-chromium-")
	if err != nil {
		browser.err = err
		return
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(dir),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("password-store", "basic"),
		// Tests run side by side in tabs of this one browser: a tab in
		// the background keeps its timers and rendering at full speed.
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.WindowSize(1280, 900),
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	if err := chromedp.Do(bctx); err != nil { // starts the browser
		bcancel()
		acancel()
		os.RemoveAll(dir)
		browser.err = fmt.Errorf("starting %s: %w", path, err)
		return
	}
	browser.ctx = bctx
	browser.cancel = func() { bcancel(); acancel(); os.RemoveAll(dir) }
}

// tab is one browser tab in a fresh browser context, with the page's
// errors collected.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string

	mu        sync.Mutex
	errors    []string
	listeners []func(ev any) // more listeners of the tab's events (listen)
}

// listen adds fn to the listeners of the tab's events. fn runs on the
// event loop: it must not block or call the browser.
func (tb *tab) listen(fn func(ev any)) {
	tb.mu.Lock()
	tb.listeners = append(tb.listeners, fn)
	tb.mu.Unlock()
}

// needBrowser skips the test when there is no chromium (fails it in CI,
// where .ci/run installs it). Browser tests call it first, before they
// start a server.
func needBrowser(t *testing.T) {
	t.Helper()
	browser.once.Do(startBrowser)
	if browser.skip != "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("browser test cannot run in CI: " + browser.skip)
		}
		t.Skip("browser test skipped: " + browser.skip)
	}
	if browser.err != nil {
		t.Fatal(browser.err)
	}
}

// newTab opens a tab on e, in a fresh browser context.
func newTab(t *testing.T, e *apitest.Env) *tab {
	t.Helper()
	needBrowser(t)
	tb := &tab{t: t, base: e.URL}
	ctx, cancel := chromedp.NewContext(browser.ctx, chromedp.WithNewBrowserContext(), chromedp.WithListener(func(ev any) {
		tb.mu.Lock()
		more := tb.listeners
		tb.mu.Unlock()
		for _, fn := range more {
			fn(ev)
		}
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			tb.addError("exception: " + msg)
		case *network.EventRequestWillBeSent:
			// The pages load nothing from another origin: a navigation
			// (to a sign-in provider and back) is the only request that
			// may leave the server.
			if ev.Type != network.ResourceTypeDocument && strings.HasPrefix(ev.Request.URL, "http") && !sameOrigin(ev.Request.URL, tb.base) {
				tb.addError("third-party request: " + string(ev.Type) + " " + ev.Request.URL)
			}
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError {
				tb.addError(string(ev.Entry.Source) + ": " + ev.Entry.Text)
			}
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				var parts []string
				for _, a := range ev.Args {
					if len(a.Value) > 0 {
						parts = append(parts, string(a.Value))
					} else {
						parts = append(parts, a.Description)
					}
				}
				tb.addError("console.error: " + strings.Join(parts, " "))
			}
		}
	}))
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	tctx, tcancel := context.WithTimeout(ctx, 3*time.Minute)
	tb.ctx = tctx
	t.Cleanup(func() {
		if t.Failed() {
			tb.screenshot("failure")
		}
		tcancel()
		cancel()
	})
	return tb
}

// sameOrigin reports whether URL a is on the origin of base.
func sameOrigin(a, base string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(base)
	return err1 == nil && err2 == nil && ua.Scheme == ub.Scheme && ua.Host == ub.Host
}

func (tb *tab) addError(s string) {
	tb.mu.Lock()
	tb.errors = append(tb.errors, s)
	tb.mu.Unlock()
}

// pageErrors answers the errors the page logged so far and forgets them.
func (tb *tab) pageErrors() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	out := tb.errors
	tb.errors = nil
	return out
}

// noPageErrors fails on console errors, exceptions and CSP violations,
// except those an expected API error answer logs (allowed substrings).
func (tb *tab) noPageErrors(allowed ...string) {
	tb.t.Helper()
next:
	for _, e := range tb.pageErrors() {
		for _, a := range allowed {
			if strings.Contains(e, a) {
				continue next
			}
		}
		tb.t.Errorf("page error: %s", e)
	}
}

// screenshot saves the page as a PNG under the test's temp dir (and under
// BOBBIN_TEST_ARTIFACTS when set, which outlives the test).
func (tb *tab) screenshot(name string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(tb.ctx), 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Logf("screenshot failed: %v", err)
		return
	}
	file := regexp.MustCompile(`[^A-Za-z0-9_.-]+`).ReplaceAllString(tb.t.Name()+"-"+name, "_") + ".png"
	dirs := []string{tb.t.TempDir()}
	if d := os.Getenv("BOBBIN_TEST_ARTIFACTS"); d != "" {
		dirs = append(dirs, d)
	}
	for _, d := range dirs {
		p := filepath.Join(d, file)
		if err := os.WriteFile(p, png, 0o644); err != nil {
			tb.t.Logf("screenshot: %v", err)
			continue
		}
		tb.t.Logf("screenshot saved: %s", p)
	}
}

// do runs actions, failing the test on error.
func (tb *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, steps...); err != nil {
		tb.t.Fatalf("browser: %v (page errors: %v)", err, tb.pageErrors())
	}
}

// open loads a path of the server.
func (tb *tab) open(path string) {
	tb.t.Helper()
	tb.do(chromedp.Navigate(tb.base + path))
}

// text waits for a CSS selector and answers its text.
func (tb *tab) text(sel string) string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		tb.t.Fatalf("text of %s: %v (page errors: %v)", sel, err, tb.pageErrors())
	}
	return strings.TrimSpace(s)
}

// fill types into a field (emptied first).
func (tb *tab) fill(sel, value string) {
	tb.t.Helper()
	tb.setValue(sel, "")
	tb.do(chromedp.SendKeys(chromedp.CSS(sel), value))
}

func (tb *tab) click(sel string) {
	tb.t.Helper()
	tb.do(chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel)))
}

// waitFor waits until a JavaScript expression is truthy.
func (tb *tab) waitFor(expr string) {
	tb.t.Helper()
	poll := func() error {
		_, err := chromedp.Run(tb.ctx, chromedp.Poll[chromedp.Void]("!!("+expr+")", chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second)))
		return err
	}
	err := poll()
	// A navigation (a provider's redirect back) ends the poll's page or
	// its script context (protocol error -32000): poll the new one.
	for i := 0; i < 5 && err != nil && strings.Contains(err.Error(), "(-32000)"); i++ {
		time.Sleep(100 * time.Millisecond)
		err = poll()
	}
	if err != nil {
		tb.t.Fatalf("waiting for %s: %v (at %s; main: %.300q; page errors: %v)", expr, err,
			tb.eval(`location.href`), tb.eval(`(document.getElementById('status')||{}).textContent + ' | ' + document.querySelector('main').innerText`), tb.pageErrors())
	}
}

// eval answers a JavaScript expression's value as a string.
func (tb *tab) eval(expr string) string {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`String(`+expr+`)`))
	if err != nil {
		tb.t.Fatalf("eval %s: %v", expr, err)
	}
	return v
}

// page waits for the app to show a page whose h1 says title.
func (tb *tab) page(title string) {
	tb.t.Helper()
	tb.waitFor(fmt.Sprintf(`document.body.dataset.ready === 'true' && (document.querySelector('main h1')||{}).textContent === %q`, title))
}

func (tb *tab) clear(sel string) {
	tb.t.Helper()
	tb.setValue(sel, "")
}

// choose picks an option of a <select>.
func (tb *tab) choose(sel, value string) {
	tb.t.Helper()
	tb.setValue(sel, value)
}

// setValue sets a control's value as script would (input and change
// events fired), after waiting for it to be visible.
func (tb *tab) setValue(sel, value string) {
	tb.t.Helper()
	tb.do(chromedp.WaitVisible(chromedp.CSS(sel)))
	js := fmt.Sprintf(`(() => { const el = document.querySelector(%q); el.value = %q;
		el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true})); return el.value; })()`, sel, value)
	if got := tb.eval(js); got != value {
		tb.t.Fatalf("%s: value %q after setting %q", sel, got, value)
	}
}
