package ui

import (
	"os"
	"strings"
	"testing"

	"fyne.io/fyne/v2/lang"

	"github.com/heraldpush/herald/engine/testenv"
)

// Under LANG=C.UTF-8 Fyne must start without a locale error: cleanlocale
// runs before Fyne's lang init. The child process shows what a fresh start
// prints.
func TestNoLocaleErrorUnderCUTF8(t *testing.T) {
	if os.Getenv("HERALD_TEST_CHILD") == "locale" {
		_ = lang.L("app.name")
		return
	}
	out := testenv.RunSelf(t, "TestNoLocaleErrorUnderCUTF8", map[string]string{
		"HERALD_TEST_CHILD": "locale", "LANG": "C.UTF-8", "LC_ALL": "", "LC_MESSAGES": "", "LANGUAGE": "",
	})
	if strings.Contains(out, "locale") {
		t.Fatalf("Fyne logged a locale problem:\n%s", out)
	}
}
