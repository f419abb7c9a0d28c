package backup_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/backup"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/redact"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/secret"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
	"github.com/heraldpush/herald/engine/tasks"
)

const pass = "correct horse battery"

type folder struct {
	st  *store.Store
	sec *secret.Memory
	reg *registry.Registry
	ts  *tasks.Service
}

func newFolder(t *testing.T) *folder {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sec := &secret.Memory{}
	ts, err := tasks.New(tasks.Params{Store: st, Secrets: sec})
	if err != nil {
		t.Fatal(err)
	}
	return &folder{st: st, sec: sec, reg: &registry.Registry{Store: st, Secrets: sec, Redactor: &redact.Redactor{}}, ts: ts}
}

// fill registers every kind's canary settings, two tasks with secret env
// and headers, push settings and per-task rules.
func fill(t *testing.T, f *folder, c *channeltest.Canaries) {
	t.Helper()
	ctx := context.Background()
	n := 0
	for kind, cfgs := range channeltest.CanaryConfigs(c, "http://127.0.0.1:9", "127.0.0.1", "2525") {
		for i, cfg := range cfgs {
			n++
			if _, err := f.reg.Add(ctx, kind, kind+"-"+string(rune('a'+i)), cfg); err != nil {
				t.Fatalf("add %s: %v", kind, err)
			}
		}
	}
	cmd, err := f.ts.Add(ctx, task.Task{Name: "nightly", Kind: task.KindCommand, Enabled: true,
		Command:  &task.Command{Line: "echo hi", Env: []string{"TOKEN=" + c.New("task env token")}},
		Schedule: task.Schedule{Kind: task.ScheduleCron, Cron: "0 3 * * *"}, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ts.Add(ctx, task.Task{Name: "ping", Kind: task.KindHTTP, Enabled: true,
		HTTP:     &task.HTTPCheck{URL: "https://example.com/health", Headers: map[string]string{"Authorization": "Bearer " + c.New("task header")}},
		Schedule: task.Schedule{Kind: task.ScheduleEvery, Every: 5 * time.Minute}}); err != nil {
		t.Fatal(err)
	}
	s := dispatch.DefaultSettings()
	s.AutoSuccess = true
	s.FailuresBeforeNotify = 3
	if err := dispatch.SaveSettings(ctx, f.st, s); err != nil {
		t.Fatal(err)
	}
	three, no := 2, false
	chs, _ := f.reg.List(ctx)
	if err := dispatch.SaveOverrides(ctx, f.st, cmd.ID, dispatch.TaskOverrides{Channels: []string{chs[0].ID}, FailuresBeforeNotify: &three, Recovery: &no}); err != nil {
		t.Fatal(err)
	}
}

func collect(t *testing.T, f *folder, secrets bool) *backup.Document {
	t.Helper()
	doc, err := backup.Collect(context.Background(), f.st, f.sec, secrets, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func encrypt(t *testing.T, doc *backup.Document) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := backup.Encrypt(&buf, doc, pass); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestBackupRoundTripRestoresEverythingAndHoldsNoSecretInClear(t *testing.T) {
	ctx := context.Background()
	var c channeltest.Canaries
	src := newFolder(t)
	fill(t, src, &c)
	before := collect(t, src, true)
	file := encrypt(t, before)
	if hits := c.Hits("backup file", string(file)); len(hits) > 0 {
		t.Fatalf("secrets in clear in the backup: %q", hits)
	}

	dst := newFolder(t)
	// A fresh folder may hold saved defaults already: the backup's win.
	if err := dispatch.SaveSettings(ctx, dst.st, dispatch.DefaultSettings()); err != nil {
		t.Fatal(err)
	}
	doc, err := backup.Decrypt(bytes.NewReader(file), pass)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := backup.Restore(ctx, dst.st, dst.sec, doc, backup.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Channels != len(before.Channels) || rep.Tasks != 2 || len(rep.MissingSecrets) > 0 || len(rep.Conflicts) > 0 {
		t.Fatalf("report %+v", rep)
	}
	after := collect(t, dst, true)
	if !reflect.DeepEqual(before, after) {
		a, _ := json.MarshalIndent(before, "", " ")
		b, _ := json.MarshalIndent(after, "", " ")
		t.Fatalf("restored configuration differs:\n%s\n---\n%s", a, b)
	}
	// The engine reads the restored secrets as its own.
	nightly, err := dst.ts.Get(ctx, "nightly")
	if err != nil || len(nightly.Command.Env) != 1 {
		t.Fatalf("task with env: %+v, %v", nightly, err)
	}
	o, _ := dispatch.LoadOverrides(ctx, dst.st, nightly.ID)
	if o.FailuresBeforeNotify == nil || *o.FailuresBeforeNotify != 2 || len(o.Channels) != 1 {
		t.Fatalf("overrides %+v", o)
	}
	for _, ch := range must(dst.reg.List(ctx)) {
		if _, err := dst.reg.Settings(ctx, ch); err != nil {
			t.Fatalf("channel %s: %v", ch.Name, err)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestBadFilesFailClearlyAndChangeNothing(t *testing.T) {
	var c channeltest.Canaries
	src := newFolder(t)
	fill(t, src, &c)
	file := encrypt(t, collect(t, src, true))
	flipped := bytes.Clone(file)
	flipped[len(flipped)-40] ^= 1
	for _, tc := range []struct {
		name     string
		data     []byte
		pass     string
		sentinel error
		zh       string
	}{
		{"wrong passphrase", file, "not the passphrase", backup.ErrPassphrase, "密码短语错误"},
		{"truncated", file[:len(file)/2], pass, backup.ErrDamaged, "已损坏"},
		{"truncated header", file[:30], pass, backup.ErrDamaged, "已损坏"},
		{"altered", flipped, pass, backup.ErrDamaged, "已损坏"},
		{"not a backup", []byte("hello"), pass, backup.ErrDamaged, "已损坏"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst := newFolder(t)
			_, err := backup.Decrypt(bytes.NewReader(tc.data), tc.pass)
			if !errors.Is(err, tc.sentinel) || !errors.Is(err, backup.ErrBadInput) {
				t.Fatalf("err = %v, want %v", err, tc.sentinel)
			}
			if !strings.Contains(err.Error(), "Nothing was changed") || !strings.Contains(i18n.Localize("zh_Hans", err), tc.zh) {
				t.Fatalf("message: %q / %q", err, i18n.Localize("zh_Hans", err))
			}
			if chs, _ := dst.st.Channels(context.Background()); len(chs) > 0 {
				t.Fatal("channels written")
			}
		})
	}
}

func TestRestoreRefusesANonEmptyFolderAndMergeListsConflicts(t *testing.T) {
	ctx := context.Background()
	var c channeltest.Canaries
	src := newFolder(t)
	fill(t, src, &c)
	doc := collect(t, src, true)

	dst := newFolder(t)
	mine, err := dst.reg.Add(ctx, "gotify", "gotify-a", map[string]string{"server": "http://127.0.0.1:9", "token": "minetoken123456"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dst.ts.Add(ctx, task.Task{Name: "nightly", Kind: task.KindCommand, Command: &task.Command{Line: "true"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := backup.Restore(ctx, dst.st, dst.sec, doc, backup.Options{}); !errors.Is(err, backup.ErrBadInput) || !strings.Contains(err.Error(), "--merge") {
		t.Fatalf("restore into a non-empty folder: %v", err)
	}

	rep, err := backup.Restore(ctx, dst.st, dst.sec, doc, backup.Options{Merge: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []backup.Conflict{{"channel", "gotify-a"}, {"task", "nightly"}}
	if !reflect.DeepEqual(rep.Conflicts, want) || rep.Channels != len(doc.Channels)-1 || rep.Tasks != 1 {
		t.Fatalf("report %+v", rep)
	}
	if v, _ := dst.sec.Get(mine.ID, "token"); v != "minetoken123456" {
		t.Fatalf("merge overwrote a conflicting secret: %q", v)
	}
	nightly, _ := dst.ts.Get(ctx, "nightly")
	if nightly.Command.Line != "true" {
		t.Fatal("merge overwrote a conflicting task")
	}

	rep, err = backup.Restore(ctx, dst.st, dst.sec, doc, backup.Options{Merge: true, Replace: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Conflicts) != 0 || len(rep.Replaced) < 2 {
		t.Fatalf("replace report %+v", rep)
	}
	if _, err := dst.sec.Get(mine.ID, "token"); !errors.Is(err, secret.ErrNotFound) {
		t.Fatalf("the replaced channel's secret stayed: %v", err)
	}
	if nightly, _ = dst.ts.Get(ctx, "nightly"); nightly.Command.Line != "echo hi" || len(nightly.Command.Env) != 1 {
		t.Fatalf("replaced task %+v", nightly.Command)
	}
}

// failing refuses every Set after the first n.
type failing struct {
	*secret.Memory
	n int
}

func (f *failing) Set(id, field, v string) error {
	if f.n == 0 {
		return secret.ErrUnavailable
	}
	f.n--
	return f.Memory.Set(id, field, v)
}

func TestKeyringFailureRollsEverythingBack(t *testing.T) {
	ctx := context.Background()
	var c channeltest.Canaries
	src := newFolder(t)
	fill(t, src, &c)
	doc := collect(t, src, true)
	dst := newFolder(t)
	sec := &failing{Memory: dst.sec, n: 3}
	if _, err := backup.Restore(ctx, dst.st, sec, doc, backup.Options{}); !errors.Is(err, secret.ErrUnavailable) {
		t.Fatalf("err = %v", err)
	}
	if chs, _ := dst.st.Channels(ctx); len(chs) > 0 {
		t.Fatal("channels written")
	}
	if ts, _ := dst.st.Tasks(ctx); len(ts) > 0 {
		t.Fatal("tasks written")
	}
	for _, ch := range doc.Channels {
		for f := range ch.Secrets {
			if _, err := dst.sec.Get(ch.ID, f); err == nil {
				t.Fatalf("secret %s/%s left in the keyring", ch.Name, f)
			}
		}
	}
}

func TestExportHasNoSecretsAndImportNamesTheMissingOnes(t *testing.T) {
	ctx := context.Background()
	var c channeltest.Canaries
	src := newFolder(t)
	fill(t, src, &c)
	doc := collect(t, src, false)
	data, _ := json.MarshalIndent(doc, "", "  ")
	if hits := c.Hits("export", string(data)); len(hits) > 0 {
		t.Fatalf("secrets in the export: %q", hits)
	}
	if !strings.Contains(string(data), `"env_names": [`) || !strings.Contains(string(data), `"Authorization"`) {
		t.Fatalf("export does not name the task secrets:\n%s", data)
	}
	parsed, err := backup.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	dst := newFolder(t)
	rep, err := backup.Restore(ctx, dst.st, dst.sec, parsed, backup.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.MissingSecrets) < len(doc.Channels)/2 {
		t.Fatalf("missing secrets not listed: %q", rep.MissingSecrets)
	}
	// Task environment and headers without values cannot come back.
	for i := range doc.Tasks {
		doc.Tasks[i].EnvNames, doc.Tasks[i].HeaderNames = nil, nil
	}
	again := collect(t, dst, false)
	a, _ := json.MarshalIndent(doc, "", " ")
	b, _ := json.MarshalIndent(again, "", " ")
	if !bytes.Equal(a, b) {
		t.Fatalf("import then export differs:\n%s\n---\n%s", a, b)
	}
}

func TestParseRefusesOtherFormatsAndNewerVersions(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"format":"other","version":1}`, "not a Herald configuration"},
		{`{"format":"herald-config","version":99}`, "schema version 99"},
		{`{"format":"herald-config","version":1,"channels":[{"id":"x","name":"a","kind":"nope"}]}`, "does not know"},
		{`{"format":"herald-config","version":1,"tasks":[{"name":"t","kind":"command"}]}`, `task "t"`},
		{`{"format":`, "not valid Herald JSON"},
	} {
		if _, err := backup.Parse([]byte(tc.in)); !errors.Is(err, backup.ErrBadInput) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestWithHistoryCarriesRunsAndTheOutbox(t *testing.T) {
	ctx := context.Background()
	var c channeltest.Canaries
	src := newFolder(t)
	fill(t, src, &c)
	nightly, _ := src.st.TaskByName(ctx, "nightly")
	chs, _ := src.st.Channels(ctx)
	start := time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)
	code := 3
	run := task.Run{TaskID: nightly.ID, Trigger: task.TriggerAuto, Status: task.StatusFailure, Started: start, Finished: start.Add(time.Second), ExitCode: &code, Output: "boom"}
	if err := src.st.InsertRun(ctx, &run); err != nil {
		t.Fatal(err)
	}
	pending := &store.OutboxItem{Source: store.SourceSend, ChannelID: chs[0].ID, Title: "queued", Body: "still to send"}
	if err := src.st.Enqueue(ctx, pending); err != nil {
		t.Fatal(err)
	}
	doc := collect(t, src, true)
	if err := doc.AddHistory(ctx, src.st); err != nil {
		t.Fatal(err)
	}
	d, err := backup.Decrypt(bytes.NewReader(encrypt(t, doc)), pass)
	if err != nil {
		t.Fatal(err)
	}
	dst := newFolder(t)
	if _, err := backup.Restore(ctx, dst.st, dst.sec, d, backup.Options{}); err != nil {
		t.Fatal(err)
	}
	got, _ := dst.st.TaskByName(ctx, "nightly")
	runs, err := dst.st.TaskRuns(ctx, got.ID, 0, 10)
	if err != nil || len(runs) != 1 || runs[0].Output != "boom" || *runs[0].ExitCode != 3 || !runs[0].Started.Equal(start) {
		t.Fatalf("runs %+v, %v", runs, err)
	}
	items, _ := dst.st.OutboxItems(ctx, store.OutboxFilter{States: []store.OutboxState{store.OutboxPending}})
	if len(items) != 1 || items[0].Body != "still to send" || items[0].ChannelID != chs[0].ID {
		t.Fatalf("outbox %+v", items)
	}
}
