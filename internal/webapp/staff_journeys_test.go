package webapp_test

import (
	"fmt"
	"strings"
	"testing"

	"bobbin/internal/apitest"
)

// A 1x1 PNG, as a suggestion's picture.
const tinyPNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAADklEQVR4nGJiAAQAAP//AAYAA/rQWa4AAAAASUVORK5CYII="

// The staff pages by level: a curator manages curated sets (create,
// publish, delete from the list) and option packs (create, edit names
// and options, delete) and reviews suggestions (a set and a pack made
// from theirs, one dismissed); support searches users and reads one,
// without the admin's controls; an admin disables an account (its key is
// refused at once) and cannot change their own.
func TestJourneyStaff(t *testing.T) {
	t.Parallel()
	needBrowser(t)
	e := apitest.New(t)
	curator, support, admin, u := e.NewUser("curator"), e.NewUser("support"), e.NewUser("admin"), e.NewUser("user")

	// The user's suggestions, through the API.
	set := e.Do("POST", "/sets/key", map[string]any{"name": "Mine", "measies": map[string]any{"chest": 1000}}, u.KeyAuth()).Expect(t, 201, "")
	e.Do("POST", "/curated-sets/suggest/key", map[string]any{"name": "Tall me", "notes": "measured standing", "set": set.Num("set.id"),
		"height": "180cm", "img": tinyPNG}, u.KeyAuth()).Expect(t, 200, "")
	e.Do("POST", "/option-packs/suggest/key", map[string]any{"design": "aaron", "name": "Roomy", "notes": "more ease",
		"options": map[string]any{"chestEase": 0.1}}, u.KeyAuth()).Expect(t, 200, "")
	e.Do("POST", "/option-packs/suggest/key", map[string]any{"design": "simon", "name": "Odd", "notes": "no",
		"options": map[string]any{"x": 1}}, u.KeyAuth()).Expect(t, 200, "")

	ct := newTab(t, e)
	ct.signIn(curator.Email, curator.Password)
	ct.page("Your account")

	// Curated sets, from the list: create, publish, delete.
	ct.click(`a[href="/#/staff/curated"]`)
	ct.page("Curated sets")
	ct.fill("#curated-form input[name=nameEn]", "Model C")
	ct.click("#curated-form button[type=submit]")
	ct.waitFor(`document.getElementById('curated-list').textContent.includes('Model C')`)
	cid := e.Do("GET", "/curated-sets/key", nil, curator.KeyAuth()).Expect(t, 200, "").Str("curatedSets.0.id")
	published := func() bool {
		return strings.Contains(string(e.Do("GET", "/curated-sets", nil, apitest.None).Expect(t, 200, "").Body), `"Model C"`)
	}
	if published() {
		t.Fatal("a new curated set is published")
	}
	item := fmt.Sprintf(`#curated-list li:has(a[href="/#/staff/curated/%s"])`, cid)
	ct.click(item + " button.secondary")
	ct.waitFor(fmt.Sprintf(`document.querySelector(%q).textContent === 'Unpublish'`, item+" button.secondary"))
	if !published() {
		t.Fatal("published on the page, not in the public list")
	}
	ct.click(`#curated-list button[aria-label="Delete Model C"]`)
	ct.waitFor(`!document.getElementById('curated-list').textContent.includes('Model C')`)
	e.Do("GET", "/curated-sets/"+cid+"/key", nil, curator.KeyAuth()).Expect(t, 404, "")

	// Option packs: create (the pack opens), edit, delete.
	ct.click(`a[href="/#/staff/packs"]`)
	ct.page("Option packs")
	ct.fill("#pack-form input[name=design]", "aaron")
	ct.fill("#pack-form input[name=nameEn]", "Loose")
	ct.fill("#pack-form textarea[name=options]", `{"chestEase": 0.1, "sleeveEase": 0.05}`)
	ct.click("#pack-form button[type=submit]")
	ct.page("Loose")
	pid := strings.TrimPrefix(ct.eval(`location.hash`), "#/staff/packs/")
	ct.fill("#pack-options", `[1]`)
	ct.click("#pack-meta button[type=submit]")
	ct.waitFor(`document.querySelector('#pack-meta .error').textContent.startsWith('Options must be a JSON object')`)
	ct.fill("#pack-name-de", "Locker")
	ct.fill("#pack-notes-en", "More room at the chest")
	ct.fill("#pack-options", `{"chestEase": 0.12}`)
	ct.click("#pack-meta button[type=submit]")
	ct.waitFor(`document.getElementById('status').textContent === 'Option pack saved.'`)
	p := e.Do("GET", "/option-packs/"+pid, nil, apitest.None).Expect(t, 200, "")
	if p.Str("optionPack.nameDe") != "Locker" || p.Str("optionPack.notesEn") != "More room at the chest" ||
		p.Num("optionPack.options.chestEase") != 0.12 || p.Get("optionPack.options.sleeveEase") != nil || p.Str("optionPack.design") != "aaron" {
		t.Fatalf("pack after saving: %s", p.Body)
	}
	ct.click("#pack-delete")
	ct.page("Option packs")
	e.Do("GET", "/option-packs/"+pid, nil, apitest.None).Expect(t, 404, "")

	// Suggestions: the set becomes a curated set, a pack an option pack,
	// the other pack is dismissed.
	ct.click(`a[href="/#/staff/suggestions"]`)
	ct.page("Suggestions")
	ct.click(`button[aria-label="Make a curated set from Tall me"]`)
	ct.page("Tall me")
	cid = strings.TrimPrefix(ct.eval(`location.hash`), "#/staff/curated/")
	c := e.Do("GET", "/curated-sets/"+cid+"/key", nil, curator.KeyAuth()).Expect(t, 200, "")
	if c.Get("curatedSet.published") != false || c.Num("curatedSet.height") != 180 || c.Num("curatedSet.measies.chest") != 1000 || c.Str("curatedSet.notesEn") != "measured standing" {
		t.Fatalf("curated set from the suggestion: %s", c.Body)
	}
	if n := len(e.Do("GET", "/suggested-sets/key", nil, curator.KeyAuth()).Expect(t, 200, "").Get("suggestions").([]any)); n != 0 {
		t.Fatalf("%d set suggestions left", n)
	}
	ct.click(`a[href="/#/staff/suggestions"]`)
	ct.page("Suggestions")
	if got := ct.text("#suggested-sets"); got != "Nothing to review." {
		t.Fatalf("set suggestions shown: %q", got)
	}
	ct.click(`button[aria-label="Make an option pack from Roomy"]`)
	ct.page("Roomy")
	pid = strings.TrimPrefix(ct.eval(`location.hash`), "#/staff/packs/")
	p = e.Do("GET", "/option-packs/"+pid, nil, apitest.None).Expect(t, 200, "")
	if p.Str("optionPack.design") != "aaron" || p.Num("optionPack.options.chestEase") != 0.1 || p.Str("optionPack.notesEn") != "more ease" {
		t.Fatalf("pack from the suggestion: %s", p.Body)
	}
	ct.click(`a[href="/#/staff/suggestions"]`)
	ct.page("Suggestions")
	ct.click(`button[aria-label="Dismiss Odd"]`)
	ct.waitFor(`document.getElementById('suggested-packs').textContent === 'Nothing to review.'`)
	if n := len(e.Do("GET", "/suggested-packs/key", nil, curator.KeyAuth()).Expect(t, 200, "").Get("suggestions").([]any)); n != 0 {
		t.Fatalf("%d pack suggestions left", n)
	}
	ct.noPageErrors(failedLoad)

	// Support: finds the user by part of the name and reads the account;
	// no role or status controls.
	st := newTab(t, e)
	st.signIn(support.Email, support.Password)
	st.page("Your account")
	st.click(`a[href="/#/staff/users"]`)
	st.page("Users")
	st.fill("#user-q", u.Username[:len(u.Username)-1])
	st.click("#user-search button[type=submit]")
	st.click(fmt.Sprintf(`#user-results a[href="/#/staff/users/%d"]`, u.ID))
	st.page(u.Username)
	if facts := st.text("#user-facts"); !strings.Contains(facts, u.Email) || !strings.Contains(facts, "1 sets") {
		t.Fatalf("support reads %q", facts)
	}
	if st.eval(`!!document.getElementById('user-admin')`) != "false" {
		t.Fatal("support sees the admin's controls")
	}
	st.noPageErrors(failedLoad)

	// Admin: the status choices are those the API takes; disabling the
	// account refuses its key at once; one's own account has no controls.
	at := newTab(t, e)
	at.signIn(admin.Email, admin.Password)
	at.page("Your account")
	at.open(fmt.Sprintf("/#/staff/users/%d", u.ID))
	at.page(u.Username)
	if got := at.eval(`[...document.querySelectorAll('#admin-status option')].map(o => o.value).join(',')`); got != "1,-1,-2" {
		t.Fatalf("status choices %s", got)
	}
	at.choose("#admin-status", "-2")
	at.click("#user-admin button[type=submit]")
	at.waitFor(`document.getElementById('user-status').textContent === '-2'`)
	if r := e.Do("GET", "/account/key", nil, u.KeyAuth()); r.Status == 200 {
		t.Fatalf("a disabled account's key still answers: %s", r.Body)
	}
	at.open(fmt.Sprintf("/#/staff/users/%d", admin.ID))
	at.page(admin.Username)
	if at.eval(`!!document.getElementById('user-admin') || !document.getElementById('user-self')`) != "false" {
		t.Fatal("an admin is offered changes to their own account")
	}
	at.noPageErrors(failedLoad)
}
