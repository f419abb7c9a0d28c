package dispatch

import (
	"reflect"
	"testing"
)

func TestRemindSettingsSet(t *testing.T) {
	tests := []struct {
		key, value string
		want       func(*Settings) // nil when an error is expected
		field, msg string
	}{
		{"reminder.interval", "4h", func(s *Settings) { s.Reminder.Interval = 4 * 3600 }, "", ""},
		{"reminder.interval", "1h30m", func(s *Settings) { s.Reminder.Interval = 5400 }, "", ""},
		{"reminder.interval", "2d", func(s *Settings) { s.Reminder.Interval = 2 * 86400 }, "", ""},
		{"reminder.interval", "1d12h", func(s *Settings) { s.Reminder.Interval = 36 * 3600 }, "", ""},
		{"reminder.interval", "90", func(s *Settings) { s.Reminder.Interval = 90 }, "", ""},
		{"reminder.interval", "off", func(s *Settings) { s.Reminder.Interval = 0 }, "", ""},
		{"reminder.interval", "soon", nil, "reminder.interval", `"soon" is not a duration`},
		{"reminder.interval", "400d", nil, "reminder.interval", "between 0 (off) and 366 days"},
		{"reminder.interval", "-5", nil, "reminder.interval", "between 0 (off) and 366 days"},
		{"reminder.max", "5", func(s *Settings) { s.Reminder.Max = 5 }, "", ""},
		{"reminder.max", "0", nil, "reminder.max", "between 1 and 99, not 0"},
		{"reminder.max", "many", nil, "reminder.max", `whole number between 1 and 99, not "many"`},
		{"escalation.after", "12h", func(s *Settings) { s.Escalation.After = 12 * 3600 }, "", ""},
		{"escalation.failures", "3", func(s *Settings) { s.Escalation.Failures = 3 }, "", ""},
		{"escalation.failures", "1000", nil, "escalation.failures", "between 0 and 999"},
		{"escalation.channels", "team, mail", func(s *Settings) { s.Escalation.Channels = []string{"c2", "c3"} }, "", ""},
		{"escalation.channels", "none", func(s *Settings) { s.Escalation.Channels = nil }, "", ""},
		{"escalation.channels", "pager", nil, "escalation.channels", `no channel named "pager"`},
		{"fallback.phone", "team,mail", func(s *Settings) { s.Fallbacks = map[string][]string{"c1": {"c2", "c3"}} }, "", ""},
		{"fallback.phone", "none", func(s *Settings) {}, "", ""},
		{"fallback.phone", "phone", nil, "fallback.phone", "cannot be its own fallback"},
		{"fallback.pager", "team", nil, "fallback.pager", `no channel named "pager"`},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			s := DefaultSettings()
			err := s.Set(tt.key, tt.value, resolveByTable)
			if tt.want == nil {
				checkFieldError(t, err, tt.field, tt.msg)
				if !reflect.DeepEqual(s, DefaultSettings()) {
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

func TestRemindOverridesSet(t *testing.T) {
	tests := []struct {
		key, value string
		want       TaskOverrides
		field, msg string
	}{
		{"reminder.interval", "30m", TaskOverrides{ReminderInterval: ptr(1800)}, "", ""},
		{"reminder.interval", "off", TaskOverrides{ReminderInterval: ptr(0)}, "", ""},
		{"reminder.interval", "default", TaskOverrides{}, "", ""},
		{"reminder.max", "2", TaskOverrides{ReminderMax: ptr(2)}, "", ""},
		{"escalation.after", "1d", TaskOverrides{EscalationAfter: ptr(86400)}, "", ""},
		{"escalation.failures", "4", TaskOverrides{EscalationFailures: ptr(4)}, "", ""},
		{"escalation.channels", "mail", TaskOverrides{EscalationChannels: []string{"c3"}}, "", ""},
		{"reminder.max", "100", TaskOverrides{}, "reminder.max", "between 1 and 99"},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			var o TaskOverrides
			err := o.Set(tt.key, tt.value, resolveByTable)
			checkFieldError(t, err, tt.field, tt.msg)
			if !reflect.DeepEqual(o, tt.want) {
				t.Errorf("Set(%q, %q) = %+v, want %+v", tt.key, tt.value, o, tt.want)
			}
			if err := o.Validate(); err != nil {
				t.Errorf("invalid overrides: %v", err)
			}
		})
	}
}
