package dispatch_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/store"
	"github.com/jonboulle/clockwork"
)

// A channel's backlog goes out in queue order, one request at a time, each
// row sent once with one attempt recorded, while another channel's rows go
// out beside it: the lane claims its channel's next row as it records the
// last (store.FinishNext) instead of waiting for the claim loop.
func TestBacklogSentInOrderOneAtATime(t *testing.T) {
	e := newDeliveryEnv(t)
	var (
		mu      sync.Mutex
		open    = map[string]int{} // channel → requests being answered
		most    = map[string]int{}
		arrived = map[string][]string{}
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		ch, title := r.URL.Query().Get("c"), r.URL.Query().Get("t")
		mu.Lock()
		open[ch]++
		most[ch] = max(most[ch], open[ch])
		arrived[ch] = append(arrived[ch], title)
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		mu.Lock()
		open[ch]--
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	clock := clockwork.NewRealClock()
	d := e.dispatcher(dispatch.Params{RateLimits: map[string]dispatch.Limit{"webhook": nil}})
	const n = 60
	var rows []*store.OutboxItem
	want := map[string][]string{}
	for _, name := range []string{"a", "b"} {
		c := e.addChannel("webhook", "backlog "+name, hookConfig(srv.URL+"/hook?c="+name+"&t={t}"))
		queued := e.queue(clock, c, name, n)
		rows = append(rows, queued...)
		for _, it := range queued {
			want[name] = append(want[name], it.Title)
		}
	}
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	awaitCond(t, 60*time.Second, "every row sent", func() bool {
		for _, it := range rows {
			if e.item(it.ID).State != store.OutboxSent {
				return false
			}
		}
		return true
	})
	mu.Lock()
	defer mu.Unlock()
	for name, titles := range want {
		if !slices.Equal(arrived[name], titles) {
			t.Errorf("channel %s: arrived %v, want %v", name, arrived[name], titles)
		}
		if most[name] != 1 {
			t.Errorf("channel %s: %d requests at once, want 1", name, most[name])
		}
	}
	for _, it := range rows {
		if ds := e.deliveries(it.ID); len(ds) != 1 || !ds[0].OK {
			t.Errorf("row %s: deliveries %+v, want one, ok", it.Title, ds)
		}
	}
}
