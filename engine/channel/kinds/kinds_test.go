package kinds_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/heraldpush/herald/assets"
	"github.com/heraldpush/herald/engine/channel/kinds"
)

func load(t *testing.T, lang string) map[string]string {
	t.Helper()
	data, err := assets.Translations.ReadFile("translations/" + lang + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s.json: %v", lang, err)
	}
	return m
}

// Every kind's name and every field's label and help are translated, and the
// English file says what the code says (the code's text is the fallback).
func TestKindsAreTranslated(t *testing.T) {
	en, zh := load(t, "en"), load(t, "zh")
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
				t.Errorf("zh.json lacks %s", key)
			}
		}
	}
}

func TestKindSchemasAreWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range kinds.All() {
		if seen[k.ID] {
			t.Errorf("duplicate kind %s", k.ID)
		}
		seen[k.ID] = true
		if k.Open == nil || k.Name == "" || k.DocURL == "" || k.QDFields > len(k.Fields) {
			t.Errorf("%s: incomplete kind", k.ID)
		}
		names := map[string]bool{}
		for _, f := range k.Fields {
			for _, n := range append([]string{f.Key}, f.Aliases...) {
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
