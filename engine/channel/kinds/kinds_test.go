package kinds_test

import (
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heraldpush/herald/assets"
	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/kinds"
)

// load merges every [area.]LANG.json, as the catalog does.
func load(t *testing.T, lang string) map[string]string {
	t.Helper()
	names, err := fs.Glob(assets.Translations, "translations/*.json")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, name := range names {
		if base := path.Base(name); base != lang+".json" && !strings.HasSuffix(base, "."+lang+".json") {
			continue
		}
		data, err := assets.Translations.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	return m
}

// Every kind's name and every field's label and help are translated, and the
// English file says what the code says (the code's text is the fallback).
func TestKindsAreTranslated(t *testing.T) {
	en, zh := load(t, "en"), load(t, "zh_Hans")
	for _, k := range kinds.All() {
		keys := map[string]string{k.NameKey(): k.Name}
		for _, f := range k.Fields {
			keys[k.LabelKey(f)] = f.Label
			keys[k.HelpKey(f)] = f.Help
		}
		for key, text := range keys {
			if en[key] != text {
				t.Errorf("en.json %s = %q, code says %q", key, en[key], text)
			}
			if strings.TrimSpace(zh[key]) == "" {
				t.Errorf("zh_Hans.json lacks %s", key)
			}
		}
	}
}

func TestKindSchemasAreWellFormed(t *testing.T) {
	seen := map[string]bool{}
	envOwner := map[string]string{} // qinglong variable → kind
	for _, k := range kinds.All() {
		for _, v := range k.EnvVars() {
			if v != strings.ToUpper(v) || strings.ContainsAny(v, " =") {
				t.Errorf("%s: qinglong variable %q is not an upper-case name", k.ID, v)
			}
			if other, dup := envOwner[v]; dup {
				t.Errorf("qinglong variable %s belongs to both %s and %s", v, other, k.ID)
			}
			envOwner[v] = k.ID
		}
		if p := k.PackedEnv; p != nil && (len(p.Vars) == 0 || p.Unpack == nil || p.Pack == nil) {
			t.Errorf("%s: PackedEnv needs Vars, Unpack and Pack", k.ID)
		}
		if seen[k.ID] {
			t.Errorf("duplicate kind %s", k.ID)
		}
		seen[k.ID] = true
		if k.Open == nil || k.Name == "" || k.DocURL == "" || k.Badge.Text == "" || k.QDFields > len(k.Fields) {
			t.Errorf("%s: incomplete kind", k.ID)
		}
		names := map[string]bool{}
		for _, f := range k.Fields {
			all := append([]string{f.Key}, f.Aliases...)
			if f.Env != "" {
				all = append(all, f.Env)
			}
			for _, n := range all {
				if names[strings.ToLower(n)] {
					t.Errorf("%s: name %q used twice", k.ID, n)
				}
				names[strings.ToLower(n)] = true
			}
			if f.Label == "" || f.Help == "" || f.Type == "" {
				t.Errorf("%s.%s: label, help and type are required", k.ID, f.Key)
			}
			if f.Required && f.Default != "" {
				t.Errorf("%s.%s: required with a default", k.ID, f.Key)
			}
		}
		if _, ok := kinds.Get(strings.ToUpper(k.ID)); !ok {
			t.Errorf("Get(%q) failed", strings.ToUpper(k.ID))
		}
	}
}

// nasty values a person might paste into any field.
var nasty = []string{
	"", " ", ";", ";;;", "\x00", "\n\n", "中文", "{", `{"a":`, `{"a":1}`, "[]", "-1", "0", "99999999999999999999",
	"http://", "https://", "https://[::1", "://x", "socks5://", "SEC", "@all", strings.Repeat("x", 70000), "%zz", "a|b,c\nd",
}

// Every field of every kind takes any value without panicking: the result is
// a channel or an error naming a field, and a built channel fails cleanly
// against an unreachable service.
func TestNoPanicOnBadInput(t *testing.T) {
	deps := channel.Deps{HTTP: &http.Client{Timeout: 200 * time.Millisecond}}
	for _, k := range kinds.All() {
		for _, f := range k.Fields {
			for _, v := range nasty {
				raw := map[string]string{f.Key: v}
				func() {
					defer func() {
						if p := recover(); p != nil {
							t.Fatalf("%s.%s = %.40q: panic: %v", k.ID, f.Key, v, p)
						}
					}()
					_, err := k.New(raw, deps)
					var fe *channel.FieldError
					if err != nil && !errors.As(err, &fe) {
						t.Errorf("%s.%s = %.40q: error without a field: %v", k.ID, f.Key, v, err)
					}
					_, _ = k.ParseQD(v)
				}()
			}
		}
	}
}

// A kind's package runs the shared contract against its fake in its own
// tests (channeltest.RunContract), so that a new kind needs no line here:
// every registered kind's folder must do so.
func TestEveryKindRunsTheContract(t *testing.T) {
	const prefix = "github.com/heraldpush/herald/engine/channel/"
	for _, k := range kinds.All() {
		// The package that declares Open is the kind's folder.
		fn := runtime.FuncForPC(reflect.ValueOf(k.Open).Pointer()).Name()
		dir, _, _ := strings.Cut(strings.TrimPrefix(fn, prefix), ".")
		if !strings.HasPrefix(fn, prefix) || strings.Contains(dir, "/") {
			t.Errorf("%s: Open is %s, want a function of a package under %s", k.ID, fn, prefix)
			continue
		}
		tests, _ := filepath.Glob(filepath.Join("..", dir, "*_test.go"))
		if !slices.ContainsFunc(tests, runsContract) {
			t.Errorf("%s: no test in engine/channel/%s calls channeltest.RunContract(t, Kind, %stest.Fixture)", k.ID, dir, dir)
		}
	}
}

func runsContract(path string) bool {
	src, err := os.ReadFile(path)
	return err == nil && strings.Contains(string(src), "channeltest.RunContract(t, ")
}
