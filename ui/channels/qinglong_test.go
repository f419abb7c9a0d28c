package channels

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/i18n"
)

const qlToken = "pp0123456789abcdef0123456789abcd"

// openQinglong taps "Import from qinglong" and pastes text.
func (f *fixture) openQinglong(text string) {
	f.t.Helper()
	test.Tap(f.overlayless("Import from qinglong"))
	f.overlayEntry().SetText(text)
}

// overlayless finds a button of the tab itself (no dialog open) by text.
func (f *fixture) overlayless(text string) *widget.Button {
	f.t.Helper()
	var found *widget.Button
	walk(f.v.Object(), func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == text && found == nil {
			found = b
		}
	})
	if found == nil {
		f.t.Fatalf("the tab has no %q button", text)
	}
	return found
}

func TestQinglongImportPreviewsThenCreates(t *testing.T) {
	f := newFixture(t)
	f.add("telegram", "telegram", map[string]string{"token": "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11", "chat_id": "1"})
	f.openQinglong("# qinglong\r\nexport PUSH_PLUS_TOKEN=\"" + qlToken + "\"\r\nexport PUSH_PLUS_USER='grp1' # group\r\n" +
		"export BARK_PUSH=\"\"\r\nexport TG_USER_ID=\"2\"\r\nexport TG_BOT_TOKEN=\"123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11\"\r\n" +
		"export QL_DIR=\"/ql\"\r\necho hi\r\n")
	texts := strings.Join(f.overlayTexts(), "\n")
	for _, want := range []string{"PushPlus · pushplus", "Token: ••••abcd  ← PUSH_PLUS_TOKEN", "grp1  ← PUSH_PLUS_USER",
		"a channel named telegram already exists", "QL_DIR", "line 8:"} {
		if !strings.Contains(texts, want) {
			t.Errorf("preview lacks %q:\n%s", want, texts)
		}
	}
	if strings.Contains(texts, qlToken) {
		t.Errorf("preview shows the token:\n%s", texts)
	}
	if names := f.rowNames(); len(names) != 1 {
		t.Fatalf("the preview created channels: %v", names)
	}
	test.Tap(f.overlayButton("Create 1 channel"))
	f.wait()
	if names := f.rowNames(); !slices.Equal(names, []string{"pushplus", "telegram"}) && !slices.Equal(names, []string{"telegram", "pushplus"}) {
		t.Fatalf("rows after import = %v", names)
	}
	texts = strings.Join(f.overlayTexts(), "\n")
	if !strings.Contains(texts, "pushplus created.") || strings.Contains(f.overlayEntry().Text, qlToken) {
		t.Errorf("after import the dialog shows:\n%s\nentry: %q", texts, f.overlayEntry().Text)
	}
	c, _ := f.env.Registry.Get(f.ctx, "pushplus")
	if c.Config["topic"] != "grp1" || !slices.Contains(c.Secrets, "token") {
		t.Errorf("created %+v", c.Channel)
	}
}

func TestQinglongImportNamesMissingVariables(t *testing.T) {
	f := newFixture(t)
	f.openQinglong("export TG_USER_ID=\"2\"\n")
	texts := strings.Join(f.overlayTexts(), "\n")
	if !strings.Contains(texts, "Skipped: TG_BOT_TOKEN: required") {
		t.Errorf("preview:\n%s", texts)
	}
	if b := f.overlayButton("Create 0 channels"); !b.Disabled() {
		t.Error("Import is enabled with nothing to create")
	}
	f.overlayEntry().SetText("export BARK_PUSH=\"\"\n")
	if texts := strings.Join(f.overlayTexts(), "\n"); !strings.Contains(texts, "No notify variable") {
		t.Errorf("empty sample preview:\n%s", texts)
	}
}

// Every text the dialog names is in both languages.
func TestQinglongTextsTranslated(t *testing.T) {
	src, err := os.ReadFile("qinglong.go")
	if err != nil {
		t.Fatal(err)
	}
	keys := regexp.MustCompile(`qlText\("([^"]+)"`).FindAllStringSubmatch(string(src), -1)
	if len(keys) < 8 {
		t.Fatalf("found only %d keys: the scan is broken", len(keys))
	}
	for _, k := range keys {
		for _, l := range []string{i18n.English, i18n.Chinese} {
			if !i18n.Has(l, k[1]) {
				t.Errorf("%s has no %s text", k[1], l)
			}
		}
	}
}
