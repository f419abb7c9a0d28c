package api_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/heraldpush/herald/engine/channel/webhook/webhooktest"
	"github.com/heraldpush/herald/engine/dispatch"
)

func TestPushSettingsEndpoint(t *testing.T) {
	f := newFixture(t)
	srv := webhooktest.NewServer(t)
	f.addChannel("webhook", "team", srv.Config())
	f.addChannel("webhook", "pager", srv.Config())
	tests := []struct {
		body      string
		status    int
		field     string
		check     func(s dispatch.Settings) bool
		checkWhat string
	}{
		{`{"reminder.interval": "4h", "reminder.max": "2", "escalation.after": "12h", "escalation.channels": "pager", "fallback.team": "pager"}`, http.StatusOK, "",
			func(s dispatch.Settings) bool {
				return s.Reminder.Interval == 4*3600 && s.Reminder.Max == 2 && s.Escalation.After == 12*3600 &&
					len(s.Escalation.Channels) == 1 && len(s.Fallbacks) == 1
			}, "every key applied"},
		{`{"reminder.max": "0", "reminder.interval": "1h"}`, http.StatusBadRequest, "reminder.max", nil, ""},
		{`{"escalation.channels": "nope"}`, http.StatusBadRequest, "escalation.channels", nil, ""},
		{`{"colour": "red"}`, http.StatusBadRequest, "colour", nil, ""},
	}
	for _, tt := range tests {
		a := f.req(http.MethodPatch, "/api/v1/settings/push", []byte(tt.body))
		if a.status != tt.status {
			t.Fatalf("PATCH %s: %d %s, want %d", tt.body, a.status, a.body, tt.status)
		}
		if tt.field != "" {
			var e struct{ Field string }
			if err := json.Unmarshal(a.body, &e); err != nil || e.Field != tt.field {
				t.Errorf("PATCH %s: error %s, want field %q", tt.body, a.body, tt.field)
			}
		}
		var s dispatch.Settings
		g := f.get("/api/v1/settings/push")
		if err := json.Unmarshal(g.body, &s); err != nil || g.status != http.StatusOK {
			t.Fatalf("GET: %d %s", g.status, g.body)
		}
		if tt.check != nil && !tt.check(s) {
			t.Errorf("PATCH %s: %s: settings %+v", tt.body, tt.checkWhat, s)
		}
		if s.Reminder.Interval != 4*3600 {
			t.Errorf("after PATCH %s: reminder.interval %d: a rejected change was saved, or the good one lost", tt.body, s.Reminder.Interval)
		}
	}
}
