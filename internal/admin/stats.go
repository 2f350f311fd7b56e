package admin

import (
	"context"

	"bobbin/internal/httpx"
)

// StatsResponse is GET /info/stats (docs/curated.md). The camelCase plural
// names are Bobbin's; user, set, curatedSet, pattern, bookmark, apikey,
// subscriber, activity and designs repeat them under the names the
// FreeSewing backend answered, so its clients keep working.
type StatsResponse struct {
	httpx.Result
	Users       int64 `json:"users"`
	Sets        int64 `json:"sets"`
	CuratedSets int64 `json:"curatedSets"`
	Patterns    int64 `json:"patterns"`
	Bookmarks   int64 `json:"bookmarks"`
	APIKeys     int64 `json:"apikeys"`
	Subscribers int64 `json:"subscribers"`
	JWTCalls    int64 `json:"jwtCalls"`
	KeyCalls    int64 `json:"keyCalls"`

	CompatUser       int64            `json:"user"`
	CompatSet        int64            `json:"set"`
	CompatCuratedSet int64            `json:"curatedSet"`
	CompatPattern    int64            `json:"pattern"`
	CompatBookmark   int64            `json:"bookmark"`
	CompatAPIKey     int64            `json:"apikey"`
	CompatSubscriber int64            `json:"subscriber"`
	Activity         StatsActivity    `json:"activity"`
	Designs          map[string]int64 `json:"designs"` // patterns per design
}

// StatsActivity holds the call totals under FreeSewing's names.
type StatsActivity struct {
	JWT int64 `json:"jwt"`
	Key int64 `json:"key"`
}

// Stats is the handler of GET /info/stats.
type Stats struct{ d Deps }

// NewStats builds the handler.
func NewStats(d Deps) *Stats { return &Stats{d} }

// Get is GET /info/stats.
func (h *Stats) Get(ctx context.Context, _ *httpx.In[httpx.None]) (StatsResponse, error) {
	st, err := h.d.DB.Info().Stats(ctx)
	if err != nil {
		return StatsResponse{}, err
	}
	return StatsResponse{Result: httpx.Success,
		Users: st.Users, Sets: st.Sets, CuratedSets: st.CuratedSets, Patterns: st.Patterns, Bookmarks: st.Bookmarks,
		APIKeys: st.APIKeys, Subscribers: st.Subscribers, JWTCalls: st.JWTCalls, KeyCalls: st.KeyCalls,
		CompatUser: st.Users, CompatSet: st.Sets, CompatCuratedSet: st.CuratedSets, CompatPattern: st.Patterns,
		CompatBookmark: st.Bookmarks, CompatAPIKey: st.APIKeys, CompatSubscriber: st.Subscribers,
		Activity: StatsActivity{JWT: st.JWTCalls, Key: st.KeyCalls}, Designs: st.Designs}, nil
}
