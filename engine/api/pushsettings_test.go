package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/heraldpush/herald/engine/channel/webhook/webhooktest"
	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/task"
)

// The watch settings through the API: keys as `herald settings set` takes
// them, the heartbeat URL to the keyring (answered only as "set"), a bad
// key refused with its field and nothing stored; a task's dead-man period
// and anomaly switch as `herald task push` takes them.
func TestPushSettingsAPI(t *testing.T) {
	f := newFixture(t)
	const token = "api-hb-token-51f3"
	patch := func(path, body string) answer { return f.req(http.MethodPatch, path, []byte(body)) }

	a := patch("/api/v1/settings/push", `{"anomaly.enabled":"on","anomaly.k":"2.5","heartbeat.interval":"30","heartbeat.url":"https://hc-ping.com/`+token+`"}`)
	var got struct {
		Anomaly         dispatch.AnomalySettings   `json:"anomaly"`
		Heartbeat       dispatch.HeartbeatSettings `json:"heartbeat"`
		AwaySummary     bool                       `json:"away_summary"`
		HeartbeatURLSet bool                       `json:"heartbeat_url_set"`
	}
	if a.status != http.StatusOK {
		t.Fatalf("PATCH: %d %s", a.status, a.body)
	}
	a.json(t, &got)
	if !got.Anomaly.Enabled || got.Anomaly.K != 2.5 || got.Heartbeat.Interval != 30 || !got.AwaySummary || !got.HeartbeatURLSet {
		t.Errorf("answer %+v", got)
	}
	if u, _ := f.secrets.Get(dispatch.HeartbeatSecretID, dispatch.HeartbeatSecretField); u != "https://hc-ping.com/"+token {
		t.Errorf("keyring holds %q", u)
	}
	g := f.get("/api/v1/settings/push")
	f.assertNoSecrets([]string{token}, a, g)

	patch("/api/v1/settings/push", `{"anomaly.k":"0","away_summary":"off"}`).wantError(t, http.StatusBadRequest, "anomaly.k", "between")
	patch("/api/v1/settings/push", `{"heartbeat.url":"ftp://x/`+token+`"}`).wantError(t, http.StatusBadRequest, "heartbeat.url", "http")
	s, err := dispatch.LoadSettings(context.Background(), f.env.Store)
	if err != nil || !s.AwaySummary || s.Anomaly.K != 2.5 {
		t.Errorf("a refused PATCH changed the settings: %+v %v", s, err)
	}
	patch("/api/v1/settings/push", `{"heartbeat.url":"off"}`)
	f.get("/api/v1/settings/push").json(t, &got)
	if got.HeartbeatURLSet {
		t.Errorf("heartbeat URL still set after off")
	}

	tk, err := f.env.Tasks.Add(context.Background(), task.Task{Name: "backup", Kind: task.KindCommand, Enabled: true,
		Command: &task.Command{Line: "true"}})
	if err != nil {
		t.Fatal(err)
	}
	a = patch("/api/v1/tasks/backup/push", `{"deadman":"26h","anomaly":"on"}`)
	var o dispatch.TaskOverrides
	if a.status != http.StatusOK {
		t.Fatalf("PATCH task push: %d %s", a.status, a.body)
	}
	a.json(t, &o)
	if o.Deadman != "26h" || o.Anomaly == nil || !*o.Anomaly {
		t.Errorf("overrides %+v", o)
	}
	if stored, _ := dispatch.LoadOverrides(context.Background(), f.env.Store, tk.ID); stored.Deadman != "26h" {
		t.Errorf("stored %+v", stored)
	}
	patch("/api/v1/tasks/backup/push", `{"deadman":"soon"}`).wantError(t, http.StatusBadRequest, "deadman", "26h")
	patch("/api/v1/tasks/nope/push", `{"deadman":"1d"}`).wantError(t, http.StatusNotFound, "name", "nope")
}

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

// Push settings through the API: keys in their CLI form, all or none.
func TestPushSettingsQuietBurst(t *testing.T) {
	f := newFixture(t)
	var s dispatch.Settings
	f.get("/api/v1/settings/push").json(t, &s)
	if !s.Enabled || s.Quiet.Windows != "" || s.Burst.Max != 0 {
		t.Fatalf("defaults %+v", s)
	}
	a := f.req(http.MethodPatch, "/api/v1/settings/push",
		[]byte(`{"quiet.windows": "23:00-07:30; Sat,Sun all day", "quiet.break_through": "on", "burst.max": "5", "burst.window": "2m"}`))
	if a.status != http.StatusOK {
		t.Fatalf("patch: %d %s", a.status, a.body)
	}
	a.json(t, &s)
	want := dispatch.QuietSettings{Windows: "23:00-07:30 daily; sat,sun all day", BreakThrough: true}
	if s.Quiet != want || s.Burst != (dispatch.BurstSettings{Max: 5, Window: 120}) {
		t.Errorf("patched %+v %+v", s.Quiet, s.Burst)
	}
	// A bad key among good ones changes nothing and is named.
	f.req(http.MethodPatch, "/api/v1/settings/push", []byte(`{"burst.max": "7", "quiet.windows": "caturday 1:00-2:00"}`)).
		wantError(t, http.StatusBadRequest, "quiet.windows", `"caturday" is not a day`)
	stored, err := dispatch.LoadSettings(t.Context(), f.env.Store)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Burst.Max != 5 || stored.Quiet != want {
		t.Errorf("a refused patch changed the settings: %+v %+v", stored.Quiet, stored.Burst)
	}
	f.req(http.MethodPatch, "/api/v1/settings/push", []byte(`{}`)).wantError(t, http.StatusBadRequest, "")
	f.req(http.MethodPatch, "/api/v1/settings/push", []byte(`{"colour": "red"}`)).wantError(t, http.StatusBadRequest, "colour", "unknown setting")
}
