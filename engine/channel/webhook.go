package channel

import (
	"net/url"
	"path"
	"strings"

	"github.com/heraldpush/herald/engine/i18n"
)

// Webhook says where a robot service's webhook URL carries its credential,
// so that a field takes the bare credential or the whole pasted URL.
type Webhook struct {
	// Path is what the URL's path ends in ("/robot/send"); without Query
	// the credential follows it ("/open-apis/bot/v2/hook/").
	Path string
	// Query is the parameter holding the credential ("access_token").
	Query string
	// Example is the URL as the service shows it; Place is where users copy
	// it from ("robot settings"). Both go into error texts.
	Example string
	Place   i18n.Text
	// BareHelp is the error for a bare value that is no credential.
	BareHelp error
	// Valid accepts a bare credential; nil accepts any without spaces or
	// URL separators.
	Valid func(string) bool
}

// Split reads v: a bare credential, or a webhook URL whose credential and
// API base (everything before Path, so a reverse proxy's prefix survives)
// are taken. base is "" for a bare credential. Errors never quote the
// value: it is a credential.
func (w Webhook) Split(v string) (cred, base string, err error) {
	v = strings.TrimSpace(v)
	if !strings.Contains(v, "://") {
		cred, err = w.bare(v)
		return cred, "", err
	}
	u, perr := url.Parse(v)
	if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", "", i18n.New("field.webhook.invalid", "Example", w.Example)
	}
	prefix, cred, err := w.cut(u)
	if err != nil {
		return "", "", err
	}
	return cred, u.Scheme + "://" + u.Host + prefix, nil
}

func (w Webhook) cut(u *url.URL) (prefix, cred string, err error) {
	if w.Query == "" {
		prefix, tok, ok := strings.Cut(u.Path, w.Path)
		if !ok {
			return "", "", i18n.New("field.webhook.path", "Path", w.Path, "Place", w.Place)
		}
		if tok = strings.TrimRight(tok, "/"); !w.valid(tok) {
			return "", "", i18n.New("field.webhook.no_token", "Path", path.Base(w.Path), "Place", w.Place)
		}
		return prefix, tok, nil
	}
	prefix, ok := strings.CutSuffix(strings.TrimRight(u.Path, "/"), w.Path)
	if !ok {
		return "", "", i18n.New("field.webhook.end", "Path", w.Path, "Query", w.Query, "Place", w.Place)
	}
	if cred = strings.TrimSpace(u.Query().Get(w.Query)); cred == "" {
		return "", "", i18n.New("field.webhook.no_query", "Query", w.Query, "Place", w.Place)
	}
	return prefix, cred, nil
}

func (w Webhook) bare(v string) (string, error) {
	if w.Query != "" {
		v = strings.TrimPrefix(v, w.Query+"=")
	}
	if !w.valid(v) {
		return "", w.BareHelp
	}
	return v, nil
}

func (w Webhook) valid(v string) bool {
	if w.Valid != nil {
		return w.Valid(v)
	}
	return v != "" && !strings.ContainsAny(v, " \t\r\n?&=/#")
}

// WebhookBase is where a robot lives: a changed api field is the user's
// explicit choice (a reverse proxy) and wins; otherwise a pasted webhook
// URL's base does, else def.
func WebhookBase(apiField, def, pasted string) string {
	api := BaseURL(apiField, def)
	if pasted != "" && api == def {
		return pasted
	}
	return api
}

// CredentialEnv is the PackedEnv of a qinglong variable holding a robot's
// bare credential (DD_BOT_TOKEN, FSKEY, QYWX_KEY) where Herald's field
// also takes the pasted webhook URL: export writes the credential alone,
// as notify.py builds the URL itself.
func CredentialEnv(name, key string, w Webhook) *PackedEnv {
	return &PackedEnv{
		Vars:   []string{name},
		Unpack: func(vars, raw map[string]string) error { raw[key] = vars[name]; return nil },
		Pack: func(c Config, vars map[string]string) {
			if cred, _, err := w.Split(c[key]); err == nil && cred != "" {
				vars[name] = cred
			}
		},
	}
}
