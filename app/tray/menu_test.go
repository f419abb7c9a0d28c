package tray

import (
	"fmt"
	"testing"
)

// labels are the menu's lines: "---" for a separator, "(label)" for a
// disabled one.
func labels(menu []Entry) []string {
	var out []string
	for _, e := range menu {
		switch {
		case e.Separator:
			out = append(out, "---")
		case e.Disabled:
			out = append(out, "("+e.Label+")")
		default:
			out = append(out, e.Label)
		}
	}
	return out
}

func keys(key string) string { return key }

func TestBuildMenu(t *testing.T) {
	var ran, tested, shown []string
	var paused []bool
	quit := 0
	a := Actions{
		Open:        func() {},
		RunTask:     func(id string) { ran = append(ran, id) },
		TestChannel: func(id string) { tested = append(tested, id) },
		Pause:       func(p bool) { paused = append(paused, p) },
		ShowRun:     func(id string) { shown = append(shown, id) },
		Quit:        func() { quit++ },
	}
	s := State{Tasks: []Item{{"1", "backup"}, {"2", "site"}}, Channels: []Item{{"c1", "phone"}}}
	menu := BuildMenu(s, a, keys)
	want := []string{"tray.open", "---", "tray.run_task", "tray.test_channel", "tray.pause", "---", "tray.quit"}
	if got := labels(menu); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("menu = %q, want %q", got, want)
	}
	if got := labels(menu[2].Children); fmt.Sprint(got) != "[backup site]" {
		t.Fatalf("Run task submenu = %q", got)
	}
	menu[2].Children[1].Action()
	menu[3].Children[0].Action()
	menu[4].Action()
	menu[len(menu)-1].Action()
	if fmt.Sprint(ran, tested, paused, quit) != "[2] [c1] [true] 1" {
		t.Fatalf("actions: ran %v tested %v paused %v quit %d", ran, tested, paused, quit)
	}

	s.Paused, s.Failing = true, true
	s.Failures = []Item{{"7", "backup — disk full"}, {"5", "site — 503"}}
	menu = BuildMenu(s, a, keys)
	want = []string{"tray.open", "---", "tray.run_task", "tray.test_channel", "tray.resume", "---",
		"(tray.recent_failures)", "backup — disk full", "site — 503", "---", "tray.quit"}
	if got := labels(menu); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("menu = %q, want %q", got, want)
	}
	menu[4].Action()
	menu[8].Action()
	if fmt.Sprint(paused, shown) != "[true false] [5]" {
		t.Fatalf("resume and show run: paused %v shown %v", paused, shown)
	}

	// No tasks or channels: the submenus are disabled, not empty.
	menu = BuildMenu(State{}, a, keys)
	if !menu[2].Disabled || !menu[3].Disabled || menu[2].Children != nil {
		t.Fatal("empty submenus should be disabled")
	}
}

func TestIcon(t *testing.T) {
	for _, tt := range []struct {
		s    State
		want string
	}{
		{State{}, "ok"},
		{State{Failing: true}, "failing"},
		{State{Paused: true, Failing: true}, "paused"},
	} {
		name, png := Icon(tt.s)
		if name != tt.want || len(png) < 8 || string(png[1:4]) != "PNG" {
			t.Errorf("Icon(%+v) = %s (%d bytes), want %s", tt.s, name, len(png), tt.want)
		}
	}
}

// The native menu is rebuilt only when the state changed.
func TestShowRebuildsOnChange(t *testing.T) {
	var rendered [][]string
	tr := &Tray{actions: Actions{}, texts: keys, render: func(menu []Entry, icon []byte) {
		rendered = append(rendered, labels(menu))
	}}
	s := State{Tasks: []Item{{"1", "backup"}}}
	tr.Show(s)
	tr.Show(s)
	if len(rendered) != 1 {
		t.Fatalf("rendered %d times for one state", len(rendered))
	}
	s.Paused = true
	tr.Show(s)
	if len(rendered) != 2 || rendered[1][4] != "tray.resume" || !tr.Shown().Paused {
		t.Fatalf("after pause: %q", rendered)
	}
}
