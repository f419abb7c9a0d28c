package i18n

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// keyUses finds the keys Go code names: the first argument of T and New,
// the second of Wrap, and any literal in the engine's key spaces (keys
// handed to helpers such as channel.Matching or task's bad).
var keyUses = []*regexp.Regexp{
	regexp.MustCompile(`i18n\.(?:T|New)\("([^"]+)"`),
	regexp.MustCompile(`i18n\.Wrap\([^,()]+(?:\([^()]*\))?, "([^"]+)"`),
	regexp.MustCompile(`"((?:field|cron|task|push|registry|run|service|answer|hint|i18n)\.[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])"`),
}

// Every key the code names has a text in both languages.
func TestKeysUsedInCodeExist(t *testing.T) {
	root := filepath.Join("..", "..")
	found := 0
	for _, dir := range []string{"engine", "app", "ui", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, re := range keyUses {
				for _, m := range re.FindAllStringSubmatch(string(src), -1) {
					found++
					for _, lang := range []string{English, Chinese} {
						if !Has(lang, m[1]) {
							t.Errorf("%s: %q has no %s text", path, m[1], lang)
						}
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if found < 100 {
		t.Fatalf("found only %d uses of keys: the patterns no longer match the code", found)
	}
}
