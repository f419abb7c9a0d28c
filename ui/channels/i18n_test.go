package channels

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Every string the tab asks lang.L for is in both parts files, and the two
// files have the same keys.
func TestTranslationsComplete(t *testing.T) {
	load := func(name string) map[string]string {
		t.Helper()
		data, err := os.ReadFile(partsDir + name)
		if err != nil {
			t.Fatal(err)
		}
		var all map[string]string
		if err := json.Unmarshal(data, &all); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// Only this tab's strings: the files hold every part of the app.
		m := map[string]string{}
		for k, v := range all {
			if strings.HasPrefix(k, "channels.") {
				m[k] = v
			}
		}
		return m
	}
	en, zh := load("en.json"), load("zh_Hans.json")

	used := map[string]bool{}
	files, _ := filepath.Glob("*.go")
	call := regexp.MustCompile(`lang\.L\("([^"]+)"`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range call.FindAllStringSubmatch(string(src), -1) {
			used[m[1]] = true
		}
	}
	if len(used) < 20 {
		t.Fatalf("found only %d lang.L keys: the scan is broken", len(used))
	}
	for key := range used {
		if en[key] == "" {
			t.Errorf("%s missing from ui-channels.en.json", key)
		}
		if zh[key] == "" {
			t.Errorf("%s missing from ui-channels.zh.json", key)
		}
	}
	for _, m := range []map[string]string{en, zh} {
		for key := range m {
			if !used[key] {
				t.Errorf("%s is translated but never used", key)
			}
			if !strings.HasPrefix(key, "channels.") {
				t.Errorf("%s is outside the tab's channels.* keys", key)
			}
		}
	}
	// Template fields must match, or one language shows "<no value>".
	field := regexp.MustCompile(`{{\.(\w+)}}`)
	for key, e := range en {
		fields := func(s string) []string {
			var out []string
			for _, m := range field.FindAllStringSubmatch(s, -1) {
				out = append(out, m[1])
			}
			slices.Sort(out)
			return out
		}
		if a, b := fields(e), fields(zh[key]); !slices.Equal(a, b) {
			t.Errorf("%s: English uses %v, Chinese %v", key, a, b)
		}
	}
}
