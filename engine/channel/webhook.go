package channel

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"
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
	Example, Place string
	// BareHelp is the error for a bare value that is no credential.
	BareHelp string
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
		return "", "", errors.New("is not a valid webhook URL; paste it as " + w.Example)
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
			return "", "", fmt.Errorf("webhook URL must contain %s; copy it again from the %s", w.Path, w.Place)
		}
		if tok = strings.TrimRight(tok, "/"); !w.valid(tok) {
			return "", "", fmt.Errorf("webhook URL has no token after /%s/; copy the whole URL from the %s", path.Base(w.Path), w.Place)
		}
		return prefix, tok, nil
	}
	prefix, ok := strings.CutSuffix(strings.TrimRight(u.Path, "/"), w.Path)
	if !ok {
		return "", "", fmt.Errorf("webhook URL must end in %s?%s=…; copy it again from the %s", w.Path, w.Query, w.Place)
	}
	if cred = strings.TrimSpace(u.Query().Get(w.Query)); cred == "" {
		return "", "", fmt.Errorf("webhook URL has no %s=…; copy the whole URL from the %s", w.Query, w.Place)
	}
	return prefix, cred, nil
}

func (w Webhook) bare(v string) (string, error) {
	if w.Query != "" {
		v = strings.TrimPrefix(v, w.Query+"=")
	}
	if !w.valid(v) {
		return "", errors.New(w.BareHelp)
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
