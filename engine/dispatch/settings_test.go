package dispatch

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// rulesPtr is a pointer to v, for overrides.
func rulesPtr[T any](v T) *T { return &v }

func TestDefaultSettings(t *testing.T) {
	want := Settings{
		Enabled:              true,
		AllChannels:          true,
		Channels:             nil,
		ManualSuccess:        false,
		ManualFailure:        true,
		AutoSuccess:          false,
		AutoFailure:          true,
		FailuresBeforeNotify: 0,
		Recovery:             true,
		Batch:                BatchSettings{Enabled: false, First: "12:00:00", Interval: 86400, SkipEmpty: true},
		Language:             "",
		TitleTemplate:        "",
		BodyTemplate:         "",
		RateLimits:           nil,
		Anomaly:              AnomalySettings{K: 3, MinRuns: 10},
		Heartbeat:            HeartbeatSettings{Interval: 60},
		AwaySummary:          true,
		Reminder:             ReminderSettings{Max: 3},
	}
	got := DefaultSettings()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("DefaultSettings() =\n%+v\nwant\n%+v", got, want)
	}
	if err := got.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}

	// Every key is in the stored document under the name the CLI uses.
	data, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	const wantJSON = `{"enabled":true,"all_channels":true,"channels":null,"manual_success":false,"manual_failure":true,` +
		`"auto_success":false,"auto_failure":true,"failures_before_notify":0,"recovery":true,` +
		`"batch":{"enabled":false,"first":"12:00:00","interval":86400,"skip_empty":true},"language":"",` +
		`"title_template":"","body_template":"","rate_limits":null,` +
		`"quiet":{"windows":"","break_through":false},"burst":{"max":0,"window":0},` +
		`"anomaly":{"enabled":false,"k":3,"min_runs":10},"heartbeat":{"interval":60},"away_summary":true,` +
		`"reminder":{"interval":0,"max":3},"escalation":{"after":0,"failures":0,"channels":null},"fallbacks":null}`
	if string(data) != wantJSON {
		t.Errorf("JSON:\n%s\nwant\n%s", data, wantJSON)
	}

	// A document from an older version lacks keys: read onto the defaults
	// (as the store's callers do) they keep their default values.
	s := DefaultSettings()
	if err := json.Unmarshal([]byte(`{"auto_success":true,"batch":{"enabled":true}}`), &s); err != nil {
		t.Fatal(err)
	}
	want.AutoSuccess, want.Batch.Enabled = true, true
	if !reflect.DeepEqual(s, want) {
		t.Errorf("partial document read onto defaults =\n%+v\nwant\n%+v", s, want)
	}
}

func TestSettingsValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Settings)
		field  string // "" = valid
		msg    string // part of the message that names the fix
	}{
		{"defaults", func(*Settings) {}, "", ""},
		{"N 0", func(s *Settings) { s.FailuresBeforeNotify = 0 }, "", ""},
		{"N 99", func(s *Settings) { s.FailuresBeforeNotify = 99 }, "", ""},
		{"N 100", func(s *Settings) { s.FailuresBeforeNotify = 100 }, "failures_before_notify", "must be between 0 (every automatic failure) and 99, got 100"},
		{"N negative", func(s *Settings) { s.FailuresBeforeNotify = -1 }, "failures_before_notify", "got -1"},
		{"channel ids", func(s *Settings) { s.AllChannels, s.Channels = false, []string{"a1", "b2"} }, "", ""},
		{"no channels", func(s *Settings) { s.AllChannels, s.Channels = false, nil }, "", ""},
		{"empty channel id", func(s *Settings) { s.AllChannels, s.Channels = false, []string{"a1", " "} }, "channels", "empty channel id"},
		{"first HH:MM:SS", func(s *Settings) { s.Batch.First = "08:30:15" }, "", ""},
		{"first HH:MM", func(s *Settings) { s.Batch.First = "08:30" }, "", ""},
		{"first out of range", func(s *Settings) { s.Batch.First = "24:00:00" }, "batch.first", "HH:MM:SS, e.g. 12:00:00"},
		{"first not a time", func(s *Settings) { s.Batch.First = "noon" }, "batch.first", `"noon" is not a time of day`},
		{"first empty", func(s *Settings) { s.Batch.First = "" }, "batch.first", "HH:MM:SS"},
		{"interval 60", func(s *Settings) { s.Batch.Interval = 60 }, "", ""},
		{"interval 59", func(s *Settings) { s.Batch.Interval = 59 }, "batch.interval", "must be at least 60 seconds, got 59"},
		{"interval 7 days", func(s *Settings) { s.Batch.Interval = 7 * 86400 }, "", ""},
		{"interval 25h", func(s *Settings) { s.Batch.Interval = 90000 }, "batch.interval", "whole days (a multiple of 86400 seconds), got 90000"},
		{"interval too long", func(s *Settings) { s.Batch.Interval = 367 * 86400 }, "batch.interval", "at most 31622400 seconds (366 days)"},
		{"language en", func(s *Settings) { s.Language = "en" }, "", ""},
		{"language zh", func(s *Settings) { s.Language = "zh" }, "", ""},
		{"language fr", func(s *Settings) { s.Language = "fr" }, "language", `must be en, zh or empty (the system's language), got "fr"`},
		{"title template", func(s *Settings) { s.TitleTemplate = "{{.Task}} {{.Status}}" }, "", ""},
		{"title template parse error", func(s *Settings) { s.TitleTemplate = "{{.Task" }, "title_template", "not a valid template"},
		{"body template unknown field", func(s *Settings) { s.BodyTemplate = "{{.Nope}}" }, "body_template", "can't evaluate field Nope"},
		{"rate limits", func(s *Settings) { s.RateLimits = map[string]string{"telegram": "1/sec", "dingtalk": "20/min"} }, "", ""},
		{"rate limit unreadable", func(s *Settings) { s.RateLimits = map[string]string{"telegram": "fast"} }, "rate_limits.telegram", "e.g. 20/min, 1/sec or 100/hour"},
		{"rate limit unknown kind", func(s *Settings) { s.RateLimits = map[string]string{"pigeon": "1/min"} }, "rate_limits.pigeon", "unknown channel kind \"pigeon\" (known: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := DefaultSettings()
			tt.change(&s)
			err := s.Validate()
			checkFieldError(t, err, tt.field, tt.msg)
		})
	}
}

// checkFieldError asserts err is nil when field is "", else a *FieldError
// for field whose text contains msg.
func checkFieldError(t *testing.T, err error, field, msg string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T), want a *FieldError for %s", err, err, field)
	}
	if fe.Field != field || !strings.Contains(err.Error(), msg) || !strings.HasPrefix(err.Error(), field+": ") {
		t.Fatalf("error %q (field %q), want field %q and text containing %q", err, fe.Field, field, msg)
	}
}

func TestTaskOverridesValidate(t *testing.T) {
	checkFieldError(t, TaskOverrides{}.Validate(), "", "")
	checkFieldError(t, TaskOverrides{FailuresBeforeNotify: rulesPtr(99), Channels: []string{"a"}}.Validate(), "", "")
	checkFieldError(t, TaskOverrides{FailuresBeforeNotify: rulesPtr(100)}.Validate(), "failures_before_notify", "between 0")
	checkFieldError(t, TaskOverrides{Channels: []string{""}}.Validate(), "channels", "empty channel id")
}

// resolveByTable resolves channel names the way the registry would, from
// a fixed table, failing on unknown names.
func resolveByTable(names []string) ([]string, error) {
	ids := map[string]string{"phone": "c1", "team": "c2", "mail": "c3"}
	var out []string
	for _, n := range names {
		id, ok := ids[n]
		if !ok {
			return nil, fmt.Errorf("no channel named %q", n)
		}
		out = append(out, id)
	}
	return out, nil
}

func TestSettingsSet(t *testing.T) {
	def := DefaultSettings()
	tests := []struct {
		key, value string
		want       func(*Settings) // applied to the starting settings; nil when an error is expected
		field, msg string
	}{
		{"enabled", "off", func(s *Settings) { s.Enabled = false }, "", ""},
		{"enabled", "TRUE", func(s *Settings) { s.Enabled = true }, "", ""},
		{"enabled", "maybe", nil, "enabled", `must be true or false (on/off), got "maybe"`},
		{"all_channels", "false", func(s *Settings) { s.AllChannels = false }, "", ""},
		{"manual_success", "on", func(s *Settings) { s.ManualSuccess = true }, "", ""},
		{"manual_failure", "off", func(s *Settings) { s.ManualFailure = false }, "", ""},
		{"auto_success", "yes", func(s *Settings) { s.AutoSuccess = true }, "", ""},
		{"auto_failure", "0", func(s *Settings) { s.AutoFailure = false }, "", ""},
		{"recovery", "false", func(s *Settings) { s.Recovery = false }, "", ""},
		{"failures_before_notify", "3", func(s *Settings) { s.FailuresBeforeNotify = 3 }, "", ""},
		{"failures_before_notify", "100", nil, "failures_before_notify", "between 0 (every automatic failure) and 99, got 100"},
		{"failures_before_notify", "three", nil, "failures_before_notify", `must be a number between 0 (every automatic failure) and 99, got "three"`},
		{"batch.enabled", "on", func(s *Settings) { s.Batch.Enabled = true }, "", ""},
		{"batch.skip_empty", "off", func(s *Settings) { s.Batch.SkipEmpty = false }, "", ""},
		{"batch.first", "08:30:05", func(s *Settings) { s.Batch.First = "08:30:05" }, "", ""},
		{"batch.first", "8:30", func(s *Settings) { s.Batch.First = "08:30:00" }, "", ""},
		{"batch.first", "25:00", nil, "batch.first", "HH:MM:SS"},
		{"batch.interval", "3600", func(s *Settings) { s.Batch.Interval = 3600 }, "", ""},
		{"batch.interval", "30", nil, "batch.interval", "at least 60 seconds, got 30"},
		{"batch.interval", "1h", nil, "batch.interval", `must be a number of seconds (at least 60), got "1h"`},
		{"language", "ZH", func(s *Settings) { s.Language = "zh" }, "", ""},
		{"language", "de", nil, "language", `got "de"`},
		{"title_template", "{{.Task}}: {{.StatusText}}", func(s *Settings) { s.TitleTemplate = "{{.Task}}: {{.StatusText}}" }, "", ""},
		{"body_template", "{{.Output", nil, "body_template", "not a valid template"},
		{"body_template", "{{.Missing}}", nil, "body_template", "can't evaluate field Missing"},
		{"channels", "phone, team,phone", func(s *Settings) { s.AllChannels, s.Channels = false, []string{"c1", "c2"} }, "", ""},
		{"channels", "none", func(s *Settings) { s.AllChannels, s.Channels = false, nil }, "", ""},
		{"channels", "pager", nil, "channels", `no channel named "pager"`},
		{"channels", " , ", nil, "channels", `list channel names separated by commas, or "all"`},
		{"rate_limits.telegram", "2/sec", func(s *Settings) { s.RateLimits = map[string]string{"telegram": "2/sec"} }, "", ""},
		{"rate_limits.telegram", "2 per sec", nil, "rate_limits.telegram", "e.g. 20/min"},
		{"rate_limits.fax", "1/min", nil, "rate_limits.fax", "unknown channel kind"},
		{"batch", "on", nil, "batch", "unknown setting (valid keys: enabled, channels, all_channels, manual_success, manual_failure, auto_success, auto_failure, failures_before_notify, recovery, batch.enabled, batch.first, batch.interval, batch.skip_empty, language, title_template, body_template, rate_limits.<kind>, quiet.windows, quiet.break_through, burst.max, burst.window, anomaly.enabled, anomaly.k, anomaly.min_runs, heartbeat.interval, heartbeat.url, away_summary, reminder.interval, reminder.max, escalation.after, escalation.failures, escalation.channels, fallback.<channel>)"},
		{"push", "on", nil, "push", "unknown setting (valid keys: enabled,"},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			s := DefaultSettings()
			err := s.Set(tt.key, tt.value, resolveByTable)
			if tt.want == nil {
				checkFieldError(t, err, tt.field, tt.msg)
				if !reflect.DeepEqual(s, def) {
					t.Errorf("a failed Set changed the settings: %+v", s)
				}
				return
			}
			if err != nil {
				t.Fatalf("Set(%q, %q): %v", tt.key, tt.value, err)
			}
			want := DefaultSettings()
			tt.want(&want)
			if !reflect.DeepEqual(s, want) {
				t.Errorf("Set(%q, %q) =\n%+v\nwant\n%+v", tt.key, tt.value, s, want)
			}
			if err := s.Validate(); err != nil {
				t.Errorf("Set produced invalid settings: %v", err)
			}
		})
	}
}

// "default" puts every key back to DefaultSettings' value; "all" is the
// default channel choice.
func TestSettingsSetDefault(t *testing.T) {
	s := Settings{
		Channels: []string{"c1"}, FailuresBeforeNotify: 7, ManualSuccess: true, AutoSuccess: true,
		Batch:    BatchSettings{Enabled: true, First: "01:02:03", Interval: 60},
		Language: "zh", TitleTemplate: "{{.Task}}", BodyTemplate: "{{.Error}}",
		RateLimits: map[string]string{"telegram": "2/sec"},
	}
	for _, key := range []string{"enabled", "manual_success", "manual_failure", "auto_success", "auto_failure",
		"failures_before_notify", "recovery", "batch.enabled", "batch.first", "batch.interval", "batch.skip_empty",
		"language", "title_template", "body_template", "rate_limits.telegram", "channels",
		"anomaly.enabled", "anomaly.k", "anomaly.min_runs", "heartbeat.interval", "away_summary",
		"reminder.interval", "reminder.max", "escalation.after", "escalation.failures", "escalation.channels"} {
		if err := s.Set(key, "default", nil); err != nil {
			t.Fatalf("Set(%q, default): %v", key, err)
		}
	}
	if !reflect.DeepEqual(s, DefaultSettings()) {
		t.Errorf("after resetting every key:\n%+v\nwant\n%+v", s, DefaultSettings())
	}
	s.AllChannels, s.Channels = false, []string{"c1"}
	if err := s.Set("channels", "all", nil); err != nil || !s.AllChannels || s.Channels != nil {
		t.Errorf("channels=all: %v, all %v, %v", err, s.AllChannels, s.Channels)
	}
	// Without a resolver the names are taken as ids.
	if err := s.Set("channels", "x1,x2", nil); err != nil || s.AllChannels || !reflect.DeepEqual(s.Channels, []string{"x1", "x2"}) {
		t.Errorf("channels=x1,x2 without resolver: %v, all %v, %v", err, s.AllChannels, s.Channels)
	}
}

func TestTaskOverridesSet(t *testing.T) {
	tests := []struct {
		key, value string
		want       TaskOverrides
		field, msg string
	}{
		{"push", "off", TaskOverrides{Push: rulesPtr(false)}, "", ""},
		{"push", "on", TaskOverrides{Push: rulesPtr(true)}, "", ""},
		{"manual_success", "true", TaskOverrides{ManualSuccess: rulesPtr(true)}, "", ""},
		{"manual_failure", "false", TaskOverrides{ManualFailure: rulesPtr(false)}, "", ""},
		{"auto_success", "on", TaskOverrides{AutoSuccess: rulesPtr(true)}, "", ""},
		{"auto_failure", "off", TaskOverrides{AutoFailure: rulesPtr(false)}, "", ""},
		{"recovery", "no", TaskOverrides{Recovery: rulesPtr(false)}, "", ""},
		{"failures_before_notify", "0", TaskOverrides{FailuresBeforeNotify: rulesPtr(0)}, "", ""},
		{"failures_before_notify", "5", TaskOverrides{FailuresBeforeNotify: rulesPtr(5)}, "", ""},
		{"channels", "team,mail,team", TaskOverrides{Channels: []string{"c2", "c3"}}, "", ""},
		{"push", "sometimes", TaskOverrides{}, "push", "must be true or false"},
		{"failures_before_notify", "-1", TaskOverrides{}, "failures_before_notify", "between 0"},
		{"channels", "all", TaskOverrides{}, "channels", `"default" for the global channels, or set push=off`},
		{"channels", "none", TaskOverrides{}, "channels", "set push=off"},
		{"channels", "nobody", TaskOverrides{}, "channels", `no channel named "nobody"`},
		{"enabled", "on", TaskOverrides{}, "enabled", "unknown setting (valid keys: push, channels, manual_success, manual_failure, auto_success, auto_failure, failures_before_notify, recovery, quiet_windows, quiet_break_through, deadman, anomaly, reminder.interval, reminder.max, escalation.after, escalation.failures, escalation.channels)"},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			var o TaskOverrides
			err := o.Set(tt.key, tt.value, resolveByTable)
			checkFieldError(t, err, tt.field, tt.msg)
			if !reflect.DeepEqual(o, tt.want) {
				t.Errorf("overrides = %+v, want %+v", o, tt.want)
			}
		})
	}

	// "default" (or nothing) hands every key back to the global setting.
	o := TaskOverrides{Push: rulesPtr(false), Channels: []string{"c1"}, ManualSuccess: rulesPtr(true),
		ManualFailure: rulesPtr(false), AutoSuccess: rulesPtr(true), AutoFailure: rulesPtr(false),
		FailuresBeforeNotify: rulesPtr(3), Recovery: rulesPtr(false)}
	for i, key := range overrideKeys {
		value := "default"
		if i%2 == 1 {
			value = ""
		}
		if err := o.Set(key, value, resolveByTable); err != nil {
			t.Fatalf("Set(%q, %q): %v", key, value, err)
		}
	}
	if !reflect.DeepEqual(o, TaskOverrides{}) {
		t.Errorf("after resetting every key: %+v", o)
	}
	// Unset overrides leave nothing in the stored document.
	if data, _ := json.Marshal(o); string(data) != "{}" {
		t.Errorf("empty overrides stored as %s", data)
	}
}

func TestParseRate(t *testing.T) {
	tests := []struct {
		in  string
		n   int
		per time.Duration
		err string
	}{
		{"20/min", 20, time.Minute, ""},
		{"1/sec", 1, time.Second, ""},
		{"2/s", 2, time.Second, ""},
		{" 30 / minute ", 30, time.Minute, ""},
		{"100/hour", 100, time.Hour, ""},
		{"5/H", 5, time.Hour, ""},
		{"20", 0, 0, "write messages per period"},
		{"x/min", 0, 0, "write messages per period"},
		{"0/min", 0, 0, "at least 1"},
		{"-3/min", 0, 0, "at least 1"},
		{"3/day", 0, 0, "the period must be sec, min or hour"},
		{"", 0, 0, "write messages per period"},
	}
	for _, tt := range tests {
		n, per, err := ParseRate(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseRate(%q) error %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || n != tt.n || per != tt.per {
			t.Errorf("ParseRate(%q) = %d, %v, %v; want %d, %v", tt.in, n, per, err, tt.n, tt.per)
		}
	}
}
