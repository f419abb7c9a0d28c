package i18n

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"testing/fstest"
	"text/template"
)

func TestBothLanguagesHoldTheSameKeys(t *testing.T) {
	en, zh := Keys(English), Keys(Chinese)
	if len(en) == 0 {
		t.Fatal("no English texts loaded")
	}
	for _, k := range en {
		if !Has(Chinese, k) {
			t.Errorf("%q has no Chinese text", k)
		}
	}
	for _, k := range zh {
		if !Has(English, k) {
			t.Errorf("%q has no English text", k)
		}
	}
	for _, lang := range []string{English, Chinese} {
		for k, src := range std().texts[lang] {
			if _, err := template.New(k).Parse(src); err != nil {
				t.Errorf("%s %q: %v", lang, k, err)
			}
		}
	}
}

func TestRender(t *testing.T) {
	c, err := load(fstest.MapFS{
		"tr/en.json":           {Data: []byte(`{"a": "field {{.Name}}: {{.Cause}}", "b": "too big"}`)},
		"tr/x.en.json":         {Data: []byte(`{"c": "only English"}`)},
		"tr/zh_Hans.json":      {Data: []byte(`{"a": "字段 {{.Name}}：{{.Cause}}"}`)},
		"tr/more.zh_Hans.json": {Data: []byte(`{"b": "太大"}`)},
	}, "tr")
	if err != nil {
		t.Fatal(err)
	}
	cause := &Error{Text: T("b")}
	tests := []struct {
		lang string
		text Text
		want string
	}{
		{English, T("a", "Name", "port", "Cause", cause), "field port: too big"},
		{Chinese, T("a", "Name", "port", "Cause", cause), "字段 port：太大"},
		{Chinese, T("a", "Name", "port", "Cause", errors.New("raw")), "字段 port：raw"},
		{Chinese, T("c"), "only English"},
		{Chinese, T("missing"), "missing"},
	}
	for _, tt := range tests {
		if got := c.render(tt.lang, tt.text); got != tt.want {
			t.Errorf("render(%s, %v) = %q, want %q", tt.lang, tt.text, got, tt.want)
		}
	}
	if _, err := load(fstest.MapFS{
		"tr/en.json":   {Data: []byte(`{"a": "x"}`)},
		"tr/b.en.json": {Data: []byte(`{"a": "y"}`)},
	}, "tr"); err == nil {
		t.Error("a key defined twice loaded without an error")
	}
}

func TestLocalizeFindsTheTextBehindContext(t *testing.T) {
	err := fmt.Errorf("saving: %w", New("app.name"))
	if got := Localize(Chinese, err); got != T("app.name").In(Chinese) {
		t.Errorf("Localize = %q", got)
	}
	if got := Localize(Chinese, errors.New("plain")); got != "plain" {
		t.Errorf("Localize(plain) = %q", got)
	}
	if _, ok := TextOf(err); !ok {
		t.Error("TextOf found no text")
	}
}

func TestPick(t *testing.T) {
	for in, want := range map[string]string{"zh_CN.UTF-8": Chinese, "zh-Hans": Chinese, "en_US": English, "": English, "de": English} {
		if got := Pick(in); got != want {
			t.Errorf("Pick(%q) = %q, want %q", in, got, want)
		}
	}
	if !slices.Contains(Keys(English), "app.name") {
		t.Error("app.name missing")
	}
}
