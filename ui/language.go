package ui

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"github.com/jeandeaual/go-locale"
	"golang.org/x/text/language"

	"github.com/heraldpush/herald/assets"
	"github.com/heraldpush/herald/ui/settings"
)

// loadTranslations registers Herald's strings in the chosen language
// ("system" = the system's). Fyne takes the language from the system only
// (on Windows from the Windows API, whatever LANGUAGE says) and has no
// public way to choose one, and it shows the key for a string its language
// lacks. So Herald's strings are registered again under every language
// Fyne may pick: English, Chinese and each of the system's languages
// (Fyne's source, go-locale), in the chosen language. Each call starts from
// the files as they are, so a later call undoes an earlier choice.
func loadTranslations(choice string) error {
	// English is Fyne's fallback, for a system language it cannot read
	// (LANG=C); Chinese comes with the overlays when it can be picked.
	if err := addTranslationsAs(filesEnglish, filesEnglish); err != nil {
		return err
	}
	for tag, file := range overlays(choice, systemLanguages()) {
		err := addTranslationsAs(file, tag)
		if err != nil && (tag == filesEnglish || tag == filesChinese) {
			return err
		}
		// A system language go-i18n knows no plural rules for keeps
		// Fyne's own behaviour.
	}
	return nil
}

// Herald's languages as the translation files name them ([area.]LANG.json).
const (
	filesEnglish = "en"
	filesChinese = "zh_Hans"
)

// overlays maps each language Fyne may pick (a base language such as "de",
// or one of Herald's) to the files Herald's strings are to be read from there.
func overlays(choice string, system []string) map[string]string {
	out := map[string]string{}
	for _, base := range system {
		out[base] = filesFor(base)
		if base == "zh" {
			// Fyne's own Chinese is zh_Hans: it matches zh_CN better.
			out[filesChinese] = filesChinese
		}
	}
	switch choice {
	case settings.LanguageEnglish, settings.LanguageChinese:
		chosen := filesFor(choice)
		for _, tag := range append(system, filesEnglish, filesChinese) {
			out[tag] = chosen
		}
	}
	return out
}

// filesFor is the files of Herald's language closest to base language base:
// Chinese for every Chinese, else English.
func filesFor(base string) string {
	if base == "zh" {
		return filesChinese
	}
	return filesEnglish
}

// systemLanguages is the base language of each of the system's locales, in
// order (as Fyne reads them: go-locale).
func systemLanguages() []string {
	locs, err := locale.GetLocales()
	if err != nil {
		return nil
	}
	var out []string
	for _, l := range locs {
		tag, err := language.Parse(l)
		if err != nil {
			continue
		}
		base, _ := tag.Base()
		out = append(out, base.String())
	}
	return out
}

// addTranslationsAs registers every translation file of language files
// as the translations of tag, in one call: Fyne matches the system's
// locales against every language registered so far on each call.
func addTranslationsAs(files, tag string) error {
	data, err := mergedTranslations(files)
	if err != nil {
		return err
	}
	if err := lang.AddTranslationsForLocale(data, fyne.Locale(tag)); err != nil {
		return fmt.Errorf("translations %s as %s: %w", files, tag, err)
	}
	return nil
}

var merged = struct {
	sync.Mutex
	files map[string][]byte
}{files: map[string][]byte{}}

// mergedTranslations is every translation file of language files
// ([area.]LANG.json) as one JSON object, read once.
func mergedTranslations(files string) ([]byte, error) {
	merged.Lock()
	defer merged.Unlock()
	if data, ok := merged.files[files]; ok {
		return data, nil
	}
	entries, err := fs.ReadDir(assets.Translations, "translations")
	if err != nil {
		return nil, err
	}
	all := map[string]json.RawMessage{}
	for _, e := range entries {
		base := strings.TrimSuffix(e.Name(), ".json")
		if base[strings.LastIndex(base, ".")+1:] != files {
			continue
		}
		name := "translations/" + e.Name()
		data, err := fs.ReadFile(assets.Translations, name)
		if err != nil {
			return nil, err
		}
		var part map[string]json.RawMessage
		if err := json.Unmarshal(data, &part); err != nil {
			return nil, fmt.Errorf("translations %s: %w", name, err)
		}
		for k, v := range part {
			if _, dup := all[k]; dup {
				return nil, fmt.Errorf("translations %s: %q is in another file too", name, k)
			}
			all[k] = v
		}
	}
	data, err := json.Marshal(all)
	if err != nil {
		return nil, err
	}
	merged.files[files] = data
	return data, nil
}
