package dispatch_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/channel/webhook/webhooktest"
	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/store"
)

// A push that fails for good on a channel is re-sent through the channel's
// fallbacks, as a new row opened by a line that says why (without the
// secret); a fallback that fails in turn is not re-sent again, so two
// channels that name each other do not loop.
func TestFallbackChannels(t *testing.T) {
	tests := []struct {
		name      string
		fallbacks func(locked, locked2, good string) map[string][]string
		source    string
		wantRows  int // rows in the outbox at the end, the original included
		wantGood  int // messages the good receiver gets
	}{
		{"401 goes to the fallback", func(l, _, g string) map[string][]string { return map[string][]string{l: {g}} }, store.SourceSend, 2, 1},
		{"no fallback, no re-send", func(string, string, string) map[string][]string { return nil }, store.SourceSend, 1, 0},
		{"fallbacks do not loop", func(l, l2, _ string) map[string][]string { return map[string][]string{l: {l2}, l2: {l}} }, store.SourceSend, 2, 0},
		{"a test push is tried once", func(l, _, g string) map[string][]string { return map[string][]string{l: {g}} }, store.SourceTest, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newDeliveryEnv(t)
			ctx := context.Background()
			bad := webhooktest.NewServer(t)
			cfg := bad.Config()
			cfg["headers"] = `{"Authorization": "Bearer fallback-wrong-token-77"}`
			locked := e.addChannel("webhook", "locked", cfg)
			locked2 := e.addChannel("webhook", "locked too", cfg)
			good := webhooktest.NewServer(t)
			ok := e.addChannel("webhook", "backup", good.Config())
			s := dispatch.DefaultSettings()
			s.Language = "en"
			s.Fallbacks = tt.fallbacks(locked.ID, locked2.ID, ok.ID)
			if err := dispatch.SaveSettings(ctx, e.st, s); err != nil {
				t.Fatal(err)
			}
			d := e.dispatcher(dispatch.Params{})
			items := []*store.OutboxItem{{Source: tt.source, ChannelID: locked.ID, Title: "disk full", Body: "on /var"}}
			if err := d.Enqueue(ctx, items...); err != nil {
				t.Fatal(err)
			}
			if err := d.Start(ctx); err != nil {
				t.Fatal(err)
			}
			done := func() bool {
				rows, err := e.st.OutboxItems(ctx, store.OutboxFilter{})
				if err != nil || len(rows) < tt.wantRows {
					return false
				}
				for _, r := range rows {
					if r.State != store.OutboxSent && r.State != store.OutboxFailed {
						return false
					}
				}
				return true
			}
			awaitCond(t, 20*time.Second, "every row finished", done)
			time.Sleep(100 * time.Millisecond) // a wrong re-send would be queued by now
			rows, _ := e.st.OutboxItems(ctx, store.OutboxFilter{})
			if len(rows) != tt.wantRows {
				t.Fatalf("%d outbox rows, want %d: %+v", len(rows), tt.wantRows, rows)
			}
			got := good.Accepted()
			if len(got) != tt.wantGood {
				t.Fatalf("backup received %d messages, want %d", len(got), tt.wantGood)
			}
			if tt.wantGood == 0 {
				return
			}
			want := "↪ Sent via backup because locked failed: "
			if !strings.HasPrefix(got[0].Text, want) || !strings.Contains(got[0].Text, "HTTP 401") ||
				!strings.Contains(got[0].Text, "\n\non /var") || got[0].Title != "disk full" {
				t.Errorf("fallback message %q / %q: want the title, %q with the 401, then the body", got[0].Title, got[0].Text, want)
			}
			if strings.Contains(got[0].Text, "fallback-wrong-token-77") {
				t.Errorf("fallback message %q holds the secret", got[0].Text)
			}
		})
	}
}
