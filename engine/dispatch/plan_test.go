package dispatch_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/redact"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/secret"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
	"github.com/heraldpush/herald/engine/tasks"
	"github.com/heraldpush/herald/engine/testenv"
)

// Templates that run into their time limit delay only the run's own
// recording: they are rendered before its write transaction, so another
// handle on the same database file writes meanwhile without waiting. The
// run is still recorded, with a push that falls back to the default
// templates and says why.
func TestSlowTemplateDoesNotHoldTheWriter(t *testing.T) {
	testenv.NeedKeyring(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "herald.db")
	st := openStore(t, path)
	red := &redact.Redactor{}
	env := &deliveryEnv{t: t, st: st, reg: &registry.Registry{Store: st, Secrets: secret.Keyring{}, Redactor: red}, red: red}
	c := env.addChannel("webhook", "hook", hookConfig("http://127.0.0.1:9/"))

	s := dispatch.DefaultSettings()
	s.Language = "en"
	s.TitleTemplate = "{{range 100000000}}{{end}}"
	s.BodyTemplate = "{{range 100000}}{{range 100000}}{{end}}{{end}}"
	// Stored directly, as an older Herald might have: saving validates now.
	if err := st.SetSetting(ctx, dispatch.SettingsKey, s); err != nil {
		t.Fatal(err)
	}
	svc, err := tasks.New(tasks.Params{Store: st, Secrets: secret.Keyring{}, Redactor: red})
	if err != nil {
		t.Fatal(err)
	}
	svc.OnRecord(tasks.RunHook{Prepare: (&dispatch.Planner{Registry: env.reg, Location: time.UTC}).PlanRun})
	_, err = svc.Add(ctx, task.Task{Name: "fails", Kind: task.KindCommand, Enabled: true,
		Command: &task.Command{Line: "echo disk full; exit 3"}})
	if err != nil {
		t.Fatal(err)
	}

	other := openStore(t, path)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var writes int
	var slowest time.Duration
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			start := time.Now()
			if err := other.SetSetting(ctx, "test.other_writer", i); err != nil {
				t.Errorf("the other handle's write %d: %v", i, err)
				return
			}
			writes++
			slowest = max(slowest, time.Since(start))
		}
	})
	start := time.Now()
	run, err := svc.RunForeground(ctx, "fails", task.TriggerManual)
	took := time.Since(start)
	close(stop)
	wg.Wait()
	if err != nil || run.ID == 0 {
		t.Fatalf("run %+v not recorded: %v", run, err)
	}
	t.Logf("run recorded in %v; the other handle wrote %d times, the slowest in %v", took.Round(time.Millisecond), writes, slowest.Round(time.Millisecond))
	if slowest > 500*time.Millisecond {
		t.Errorf("a write from another handle waited %v while the run was recorded: the writer was held", slowest)
	}
	if took < 2*time.Second || writes == 0 {
		t.Fatalf("the templates did not run into their limits (%v, %d writes): the test proves nothing", took, writes)
	}

	items, err := st.OutboxItems(ctx, store.OutboxFilter{RunID: run.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || items[0].ChannelID != c.ID {
		t.Fatalf("outbox rows %+v, want one for channel %s", items, c.ID)
	}
	for _, want := range []string{"Task: fails", "disk full",
		"(The custom title template failed, so the default was used: the template runs longer than 1s",
		"(The custom body template failed, so the default was used: the template runs longer than 1s"} {
		if !strings.Contains(items[0].Body, want) {
			t.Errorf("body lacks %q:\n%s", want, items[0].Body)
		}
	}
	if want := "❌ fails failed"; items[0].Title != want {
		t.Errorf("title %q, want %q", items[0].Title, want)
	}
}

func openStore(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
