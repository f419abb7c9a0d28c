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
	load := func(names ...string) map[string]string {
		t.Helper()
		m := map[string]string{}
		for _, name := range names {
			data, err := os.ReadFile(partsDir + name)
			if err != nil {
				t.Fatal(err)
			}
			var all map[string]string
			if err := json.Unmarshal(data, &all); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			// Only this tab's strings: the files hold every part of the app.
			for k, v := range all {
				if tabKey(k) {
					m[k] = v
				}
			}
		}
		return m
	}
	en, zh := load("en.json", "chform.en.json", "remind.en.json"), load("zh_Hans.json", "chform.zh_Hans.json", "remind.zh_Hans.json")

	used := map[string]bool{}
	files, _ := filepath.Glob("*.go")
	call := regexp.MustCompile(`lang\.L\("([^"]+)"`)
	// The form's status texts are picked by number: named as literals.
	literal := regexp.MustCompile(`"(chform\.[\w.]+)"`)
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
		for _, m := range literal.FindAllStringSubmatch(string(src), -1) {
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
			if !used[key] && !strings.HasPrefix(key, "chform.webhook.") { // the engine's
				t.Errorf("%s is translated but never used", key)
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

// tabKey reports a key of this tab: channels.* and the form's chform.*.
func tabKey(k string) bool {
	return strings.HasPrefix(k, "channels.") || strings.HasPrefix(k, "chform.") || strings.HasPrefix(k, "remind.ui.fallback.")
}
