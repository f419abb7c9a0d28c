package kinds_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/kinds"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/i18n/i18ntest"
)

// typed are values each field type refuses.
var typed = map[channel.FieldType][]string{
	channel.TypeBool:   {"maybe"},
	channel.TypeInt:    {"4x"},
	channel.TypeURL:    {"ftp://x", "https://", "http://[::1", "https://bad host!/"},
	channel.TypeJSON:   {"[1]", `{"a":`, "{'a': 1}"},
	channel.TypeChoice: {"zzz"},
	channel.TypeList:   {"a\x01b"},
}

// everyone are values any field may be given: control characters, bytes
// that are not UTF-8, and the nasty values of TestNoPanicOnBadInput.
var everyone = append([]string{"a\x01b", "a\tb", "\xff\xfe"}, nasty...)

// Every problem any field of any kind reports, for any value, reads in
// Chinese (the field's label included), and the keys of channel problems
// are all provoked here or asserted by a kind's own Parse table, which
// checks its Chinese too (channeltest.RunParseCases).
func TestEveryFieldProblemReadsInChinese(t *testing.T) {
	seen := map[string]bool{}
	check := func(k *channel.Kind, raw map[string]string) {
		t.Helper()
		_, err := k.Parse(raw)
		if err == nil {
			return
		}
		var fes channel.FieldErrors
		if !errors.As(err, &fes) {
			t.Errorf("%s %q: %v is not FieldErrors", k.ID, raw, err)
			return
		}
		for _, fe := range fes {
			zh := i18ntest.Check(t, fe)
			if p := fe.Problem().In(i18n.Chinese); i18ntest.NotChinese(p) != "" {
				t.Errorf("%s %q: problem %q: %s", k.ID, raw, p, i18ntest.NotChinese(p))
			}
			if fe.Kind == k.ID {
				if _, known := k.Field(fe.Field); known && !strings.HasPrefix(zh, i18n.T(k.LabelKey(fieldOf(k, fe.Field))).In(i18n.Chinese)+"：") {
					t.Errorf("%s %q: %q does not start with the field's Chinese label", k.ID, raw, zh)
				}
			}
			for _, key := range i18ntest.Keys(fe.UserText()) {
				seen[key] = true
			}
		}
	}
	for _, k := range kinds.All() {
		check(k, map[string]string{}) // every required field missing
		check(k, map[string]string{"no_such_field": "x"})
		for _, f := range k.Fields {
			for _, v := range append(slices.Clone(typed[f.Type]), everyone...) {
				check(k, map[string]string{f.Key: v})
			}
			for _, a := range append(slices.Clone(f.Aliases), f.Env) {
				if a == "" {
					continue
				}
				check(k, map[string]string{f.Key: "a1", a: "b2"}) // given twice
			}
		}
		if _, err := k.ParseQD(strings.Repeat("x;", k.QDFields+1)); err != nil {
			check(k, nil)
			i18ntest.Check(t, err)
			for _, key := range i18ntest.Keys(mustText(t, err)) {
				seen[key] = true
			}
		}
	}
	for _, c := range relations {
		k, _ := kinds.Get(c.kind)
		check(k, c.raw)
	}
	asserted := assertedInKindTables(t)
	for _, key := range channelKeys(t) {
		if !seen[key] && !asserted[key] && unreachable[key] == "" {
			t.Errorf("%s is provoked neither here nor in a kind's Parse table", key)
		}
	}
}

// relations are settings valid one by one that break a limit or a rule
// between fields.
var relations = []struct {
	kind string
	raw  map[string]string
}{
	{"email", map[string]string{"host": "smtp.example.com", "username": "me@example.com", "password": "pw", "ssl": "true", "starttls": "true"}},
	{"mailgun", map[string]string{"api_key": "key-1", "domain": "mg.example.com", "from": "a@mg.example.com", "to": many("b%d@example.com", 1001)}},
	{"wecom_app", map[string]string{"corp_id": "ww01", "agent_id": "1000002", "secret": "s", "to_user": many("u%d", 1001)}},
	{"wxpusher", map[string]string{"app_token": "AT_x", "uids": many("UID_%d", 2001)}},
}

func many(format string, n int) string {
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf(format, i)
	}
	return strings.Join(items, ",")
}

// unreachable are channel texts no setting can provoke through Parse, and
// why.
var unreachable = map[string]string{
	"field.file.denied":       "tests run as root, who may read any file",
	"field.url.invalid_plain": "the url type check refuses an unparsable URL first (field.url.invalid)",
	"field.webhook.form_json": "the json type check refuses a body that is not an object first (field.json)",
}

func fieldOf(k *channel.Kind, name string) channel.Field {
	f, _ := k.Field(name)
	return f
}

func mustText(t *testing.T, err error) i18n.Text {
	t.Helper()
	txt, ok := i18n.TextOf(err)
	if !ok {
		t.Fatalf("%v carries no text", err)
	}
	return txt
}

// channelKeys are the keys of the texts channel problems use.
func channelKeys(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("../../../assets/translations/errors.en.json")
	if err != nil {
		t.Fatal(err)
	}
	var texts map[string]string
	if err := json.Unmarshal(data, &texts); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range texts {
		if strings.HasPrefix(k, "field.") && !strings.HasPrefix(k, "field.label.") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// assertedInKindTables are the keys whose English text (up to its first
// argument) a kind's test asserts as an error.
func assertedInKindTables(t *testing.T) map[string]bool {
	t.Helper()
	var tests []byte
	files, _ := filepath.Glob("../*/*_test.go")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		tests = append(tests, data...)
	}
	out := map[string]bool{}
	arg := regexp.MustCompile(`\{\{[^}]*\}\}`)
	for _, key := range channelKeys(t) {
		src := arg.Split(enText(key), -1)
		longest := slices.MaxFunc(src, func(a, b string) int { return len(a) - len(b) })
		if len(longest) >= 12 && (strings.Contains(string(tests), longest) || strings.Contains(string(tests), strings.ReplaceAll(longest, `"`, `\"`))) {
			out[key] = true
		}
	}
	return out
}

var enTexts map[string]string

func enText(key string) string {
	if enTexts == nil {
		data, _ := os.ReadFile("../../../assets/translations/errors.en.json")
		_ = json.Unmarshal(data, &enTexts)
	}
	return enTexts[key]
}
