package ui

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/heraldpush/herald/engine/task"
)

// fakeDesktop adds the desktop.App tray methods to Fyne's test app.
type fakeDesktop struct {
	fyne.App
	menu *fyne.Menu
	icon fyne.Resource
}

func (f *fakeDesktop) SetSystemTrayMenu(m *fyne.Menu)    { f.menu = m }
func (f *fakeDesktop) SetSystemTrayIcon(r fyne.Resource) { f.icon = r }
func (f *fakeDesktop) SetSystemTrayWindow(w fyne.Window) {}

func labels(m *fyne.Menu) []string {
	var out []string
	for _, it := range m.Items {
		if it.IsSeparator {
			out = append(out, "---")
			continue
		}
		out = append(out, it.Label)
	}
	return out
}

func TestTrayMenuContentsAndRebuilds(t *testing.T) {
	fd := &fakeDesktop{App: test.NewTempApp(t)}
	var ran, tested []string
	var paused []bool
	tr := &tray{app: fd, actions: trayActions{
		Open:        func() {},
		RunTask:     func(id string) { ran = append(ran, id) },
		TestChannel: func(id string) { tested = append(tested, id) },
		Pause:       func(p bool) { paused = append(paused, p) },
		ShowRun:     func(string) {},
		Quit:        func() {},
	}}
	st := trayState{
		Tasks:    []trayItem{{"1", "backup"}, {"2", "site"}},
		Channels: []trayItem{{"c1", "phone"}},
	}
	tr.update(st)
	want := []string{"tray.open", "---", "tray.run_task", "tray.test_channel", "tray.pause", "---", "tray.quit"}
	if got := labels(fd.menu); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("menu = %q, want %q", got, want)
	}
	runMenu := fd.menu.Items[2].ChildMenu
	if runMenu == nil || len(runMenu.Items) != 2 || runMenu.Items[1].Label != "site" {
		t.Fatalf("Run task submenu = %+v", runMenu)
	}
	runMenu.Items[1].Action()
	fd.menu.Items[3].ChildMenu.Items[0].Action()
	fd.menu.Items[4].Action()
	if len(ran) != 1 || ran[0] != "2" || len(tested) != 1 || tested[0] != "c1" || len(paused) != 1 || !paused[0] {
		t.Fatalf("actions: ran %v tested %v paused %v", ran, tested, paused)
	}
	if fd.icon.Name() != "tray-ok.png" {
		t.Fatalf("icon %s, want ok", fd.icon.Name())
	}

	// The same state does not rebuild the native menu.
	tr.update(st)
	if tr.builds != 1 {
		t.Fatalf("menu rebuilt %d times for an unchanged state", tr.builds)
	}

	// Failures and pause change the menu and the icon.
	st.Failing = true
	st.Failures = []trayItem{{"7", failureText(task.Run{TaskName: "backup", Error: "exit status 3\nmore"})}}
	tr.update(st)
	got := labels(fd.menu)
	if tr.builds != 2 || fd.icon.Name() != "tray-failing.png" || got[len(got)-3] != "backup — exit status 3" {
		t.Fatalf("after a failure: builds %d icon %s menu %q", tr.builds, fd.icon.Name(), got)
	}
	st.Paused = true
	tr.update(st)
	if fd.icon.Name() != "tray-paused.png" || fd.menu.Items[4].Label != "tray.resume" {
		t.Fatalf("paused: icon %s item %q", fd.icon.Name(), fd.menu.Items[4].Label)
	}
	if q := fd.menu.Items[len(fd.menu.Items)-1]; !q.IsQuit {
		t.Fatal("last item is not Quit")
	}

	// No tasks or channels: the submenus are disabled, not empty.
	tr.update(trayState{})
	if !fd.menu.Items[2].Disabled || !fd.menu.Items[3].Disabled {
		t.Fatal("empty submenus should be disabled")
	}
}
