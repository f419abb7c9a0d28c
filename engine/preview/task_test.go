package preview

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
)

func TestTaskPush(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	// 01:30 UTC on the night Berlin skips from 02:00 to 03:00.
	now := time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)
	backup := task.Task{ID: 7, Name: "backup", Command: &task.Command{}}
	all := []string{"a", "b", "c"}
	on, off, three := true, false, 3
	def := dispatch.DefaultSettings()
	with := func(f func(*dispatch.Settings)) dispatch.Settings {
		s := dispatch.DefaultSettings()
		f(&s)
		return s
	}
	tests := []struct {
		name     string
		s        dispatch.Settings
		o        dispatch.TaskOverrides
		st       store.PushState
		status   task.Status
		reason   dispatch.Reason
		channels []string
		why      []string // keys, in order
	}{
		{"failure to every channel", def, dispatch.TaskOverrides{}, store.PushState{}, task.StatusFailure,
			dispatch.ReasonFailure, all, []string{"preview.why.failure", "preview.why.all_channels"}},
		{"success not pushed", def, dispatch.TaskOverrides{}, store.PushState{}, task.StatusSuccess,
			"", nil, []string{"preview.why.success_off"}},
		{"recovery", def, dispatch.TaskOverrides{}, store.PushState{FailurePushed: true}, task.StatusSuccess,
			dispatch.ReasonRecovered, all, []string{"preview.why.recovered", "preview.why.all_channels"}},
		{"success pushed to the task's channels", def, dispatch.TaskOverrides{AutoSuccess: &on, Channels: []string{"c", "a"}}, store.PushState{}, task.StatusSuccess,
			dispatch.ReasonSuccess, []string{"c", "a"}, []string{"preview.why.success", "preview.why.task_channels"}},
		{"streak not reached", def, dispatch.TaskOverrides{FailuresBeforeNotify: &three}, store.PushState{AutoFailures: 1}, task.StatusFailure,
			"", nil, []string{"preview.why.streak_wait"}},
		{"streak reached, chosen channels, digest", with(func(s *dispatch.Settings) {
			s.FailuresBeforeNotify, s.AllChannels, s.Channels, s.Batch.Enabled = 3, false, []string{"b"}, true
		}), dispatch.TaskOverrides{}, store.PushState{AutoFailures: 2}, task.StatusFailure,
			dispatch.ReasonFailure, []string{"b"}, []string{"preview.why.streak_now", "preview.why.chosen_channels", "preview.why.batch"}},
		{"global off", with(func(s *dispatch.Settings) { s.Enabled = false }), dispatch.TaskOverrides{}, store.PushState{}, task.StatusFailure,
			"", nil, []string{"preview.why.off"}},
		{"task off", def, dispatch.TaskOverrides{Push: &off}, store.PushState{}, task.StatusFailure,
			"", nil, []string{"preview.why.task_off"}},
		{"failures off", def, dispatch.TaskOverrides{AutoFailure: &off}, store.PushState{}, task.StatusTimeout,
			"", nil, []string{"preview.why.failure_off"}},
		{"no channel", with(func(s *dispatch.Settings) { s.AllChannels = false }), dispatch.TaskOverrides{}, store.PushState{}, task.StatusFailure,
			"", nil, []string{"preview.why.failure", "preview.why.no_channel"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := SampleRun(backup, tt.status, now)
			p, err := TaskPush(tt.s, tt.o, tt.st, r, all, berlin)
			if err != nil {
				t.Fatal(err)
			}
			if p.Reason != tt.reason || !slices.Equal(p.Channels, tt.channels) {
				t.Errorf("reason %q channels %v, want %q %v", p.Reason, p.Channels, tt.reason, tt.channels)
			}
			var keys []string
			for _, w := range p.Why {
				keys = append(keys, w.Key)
				for _, lang := range []string{i18n.English, i18n.Chinese} {
					if s := w.In(lang); s == "" || strings.Contains(s, "{{") || strings.Contains(s, "<no value>") {
						t.Errorf("%s in %s renders %q", w.Key, lang, s)
					}
				}
			}
			if !slices.Equal(keys, tt.why) {
				t.Errorf("why %v, want %v", keys, tt.why)
			}
			if tt.reason == "" {
				if p.Message.Title != "" || p.Message.Body != "" {
					t.Errorf("a message for no push: %+v", p.Message)
				}
				return
			}
			want, err := dispatch.Render(tt.s, r, tt.reason, berlin)
			if err != nil || p.Message != want {
				t.Errorf("message %+v, want what the dispatcher renders %+v (%v)", p.Message, want, err)
			}
			// The run's time is shown in Berlin's time: 03:30 CEST, the
			// hour after the skipped one.
			if !strings.Contains(p.Message.Body+p.Message.Title, "03:30") && tt.status.Failed() {
				t.Errorf("the run time is not shown in Berlin time: %q", p.Message.Body)
			}
		})
	}
}

func TestCuts(t *testing.T) {
	got := cuts([]string{`{"text":"head\n…[1200 bytes cut]…\ntail"}`, "text=a%0A%E2%80%A6%5B37+chars+cut%5D%E2%80%A6%0Ab", "no cut [here]"})
	if !slices.Equal(got, []string{"1200 bytes", "37 chars"}) {
		t.Errorf("cuts = %q", got)
	}
}
