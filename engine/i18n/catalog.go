package i18n

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"
	"text/template"

	"github.com/heraldpush/herald/assets"
)

// catalog holds every language's texts and their parsed templates.
type catalog struct {
	texts map[string]map[string]string // language → key → template text

	mu     sync.Mutex
	parsed map[string]*template.Template // lang + "\x00" + key
}

// std is read on first use, not at start: every process links this
// package, few render text before they show something.
var std = sync.OnceValue(func() *catalog { return mustLoad(assets.Translations, "translations") })

func mustLoad(fsys fs.FS, dir string) *catalog {
	c, err := load(fsys, dir)
	if err != nil {
		panic(err) // the embedded files are checked by the tests
	}
	return c
}

// load reads every [area.]LANG.json of dir.
func load(fsys fs.FS, dir string) (*catalog, error) {
	c := &catalog{texts: map[string]map[string]string{}, parsed: map[string]*template.Template{}}
	names, err := fs.Glob(fsys, path.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		base := strings.TrimSuffix(path.Base(name), ".json")
		lang := base[strings.LastIndex(base, ".")+1:]
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var texts map[string]string
		if err := json.Unmarshal(data, &texts); err != nil {
			return nil, fmt.Errorf("translations %s: %w", name, err)
		}
		if c.texts[lang] == nil {
			c.texts[lang] = map[string]string{}
		}
		for k, v := range texts {
			if _, dup := c.texts[lang][k]; dup {
				return nil, fmt.Errorf("translations %s: key %q is defined twice", name, k)
			}
			c.texts[lang][k] = v
		}
	}
	return c, nil
}

func (c *catalog) render(lang string, t Text) string {
	tpl := c.template(lang, t.Key)
	if tpl == nil {
		tpl = c.template(English, t.Key)
	}
	if tpl == nil {
		return t.Key
	}
	var args map[string]any
	if len(t.Args) > 0 {
		args = make(map[string]any, len(t.Args))
		for k, v := range t.Args {
			args[k] = c.arg(lang, v)
		}
	}
	var b bytes.Buffer
	if err := tpl.Execute(&b, args); err != nil {
		return t.Key
	}
	return b.String()
}

// arg renders an argument that is itself text in the same language.
func (c *catalog) arg(lang string, v any) any {
	switch a := v.(type) {
	case Text:
		return c.render(lang, a)
	case []Text:
		parts := make([]string, len(a))
		for i, t := range a {
			parts[i] = c.render(lang, t)
		}
		return strings.Join(parts, c.render(lang, T("i18n.list.separator")))
	case *Error:
		return c.render(lang, a.Text)
	case error:
		if t, ok := TextOf(a); ok {
			return c.render(lang, t)
		}
		return a.Error()
	}
	return v
}

func (c *catalog) template(lang, key string) *template.Template {
	src, ok := c.texts[lang][key]
	if !ok {
		return nil
	}
	id := lang + "\x00" + key
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.parsed[id]; ok {
		return t
	}
	t, err := template.New(key).Option("missingkey=zero").Parse(src)
	if err != nil {
		t = template.Must(template.New(key).Parse("{{`" + strings.ReplaceAll(src, "`", "'") + "`}}"))
	}
	c.parsed[id] = t
	return t
}
