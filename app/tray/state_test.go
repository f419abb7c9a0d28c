package tray

import (
	"reflect"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
)

func TestStateOf(t *testing.T) {
	ch := func(id, name string) registry.Channel {
		var c registry.Channel
		c.ID, c.Name = id, name
		return c
	}
	long := strings.Repeat("é", 70) // runes, not bytes, are cut
	tests := []struct {
		name   string
		o      host.Overview
		paused bool
		want   State
	}{
		{name: "empty", want: State{}},
		{name: "empty and paused", paused: true, want: State{Paused: true}},
		{
			name: "tasks sorted by name; a failed or timed-out last run marks failing",
			o: host.Overview{Tasks: []store.TaskHealth{
				{ID: 3, Name: "sync", LastStatus: task.StatusSuccess},
				{ID: 1, Name: "backup", LastStatus: task.StatusTimeout},
				{ID: 2, Name: "clean"},
			}},
			want: State{
				Tasks:   []Item{{"1", "backup"}, {"2", "clean"}, {"3", "sync"}},
				Failing: true,
			},
		},
		{
			name: "skipped and never-run tasks are not failing",
			o: host.Overview{Tasks: []store.TaskHealth{
				{ID: 1, Name: "a", LastStatus: task.StatusSkipped},
				{ID: 2, Name: "b"},
			}},
			want: State{Tasks: []Item{{"1", "a"}, {"2", "b"}}},
		},
		{
			name: "channels keep their order; failures show the task and the first error line",
			o: host.Overview{
				Channels: []registry.Channel{ch("c2", "team robot"), ch("c1", "alerts")},
				Failures: []task.Run{
					{ID: 9, TaskName: "backup", Error: "disk full\nmore detail"},
					{ID: 7, TaskName: "sync", Error: long},
					{ID: 5, TaskName: "check", Error: "exit status 3", Output: "checking /\n\x1b[31mdisk 97% full\x1b[0m\n\n"},
				},
			},
			paused: true,
			want: State{
				Channels: []Item{{"c2", "team robot"}, {"c1", "alerts"}},
				Failures: []Item{{"9", "backup — disk full"}, {"7", "sync — " + strings.Repeat("é", 59) + "…"}, {"5", "check — disk 97% full"}},
				Paused:   true,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := StateOf(tt.o, tt.paused, i18n.English)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("StateOf =\n%+v\nwant\n%+v", got, tt.want)
			}
			if got.key() != tt.want.key() {
				t.Errorf("key %q, want %q", got.key(), tt.want.key())
			}
		})
	}
}

func TestLastMeaningfulLine(t *testing.T) {
	tests := []struct{ name, output, want string }{
		{"empty", "", ""},
		{"last line", "start\ndisk 97% full\n", "disk 97% full"},
		{"colours and space stripped", "\x1b[1;31m  ERROR: quota exceeded \x1b[0m\r\n", "ERROR: quota exceeded"},
		{"outcome lines skipped", "backup failed: no space\nexit status 1\n", "backup failed: no space"},
		{"rules skipped", "rsync error: 23\n-----\n", "rsync error: 23"},
		{"nothing meaningful", "\n  \n====\nExit code 2\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := lastMeaningfulLine(tt.output); got != tt.want {
				t.Errorf("lastMeaningfulLine(%q) = %q, want %q", tt.output, got, tt.want)
			}
		})
	}
}

// A failure without meaningful output reads as its outcome, in the tray's
// language.
func TestFailureTextInLanguage(t *testing.T) {
	code := 3
	r := task.Run{TaskName: "backup", Status: task.StatusFailure, ExitCode: &code, Error: "exit status 3"}
	en, zh := FailureText(r, i18n.English), FailureText(r, i18n.Chinese)
	if !strings.HasPrefix(en, "backup — ") || en == zh {
		t.Fatalf("English %q, Chinese %q", en, zh)
	}
}
