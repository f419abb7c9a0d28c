package ntfy

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/heraldpush/herald/engine/i18n"
)

// MaxActions is how many action buttons ntfy takes on one message.
const MaxActions = 3

var actionKinds = []string{"view", "http", "broadcast"}

// Action is one action button of the JSON publish body
// (https://docs.ntfy.sh/publish/#action-buttons).
type Action struct {
	Action  string            `json:"action"`
	Label   string            `json:"label"`
	URL     string            `json:"url,omitempty"`
	Clear   bool              `json:"clear,omitempty"`
	Method  string            `json:"method,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body,omitempty"`
	Intent  string            `json:"intent,omitempty"`
	Extras  map[string]string `json:"extras,omitempty"`
}

// ParseActions reads the actions field: ntfy's own notation, either a
// JSON array or the simple "action, label, url[, key=value…]; …" form
// (what qinglong's NTFY_ACTIONS puts in the Actions header).
func ParseActions(v string) ([]Action, error) {
	v = strings.TrimSpace(v)
	var actions []Action
	if strings.HasPrefix(v, "[") {
		if err := json.Unmarshal([]byte(v), &actions); err != nil {
			return nil, i18n.New("field.ntfy.actions_json")
		}
	} else {
		for _, part := range splitQuoted(v, ';') {
			a, err := parseSimple(part)
			if err != nil {
				return nil, err
			}
			actions = append(actions, a)
		}
	}
	if len(actions) > MaxActions {
		return nil, i18n.New("field.ntfy.actions_many", "N", len(actions), "Max", MaxActions)
	}
	for i := range actions {
		if err := checkAction(&actions[i]); err != nil {
			return nil, err
		}
	}
	return actions, nil
}

// checkAction normalises an action as ntfy does and applies its rules.
func checkAction(a *Action) error {
	a.Action, a.Method = strings.ToLower(a.Action), strings.ToUpper(a.Method)
	switch {
	case !slices.Contains(actionKinds, a.Action):
		return i18n.New("field.ntfy.action_kind", "Value", strconv.Quote(a.Action))
	case a.Label == "":
		return i18n.New("field.ntfy.action_label")
	case a.Action != "broadcast" && a.URL == "":
		return i18n.New("field.ntfy.action_url", "Action", a.Action)
	case a.Action == "http" && (a.Method == "GET" || a.Method == "HEAD") && a.Body != "":
		return i18n.New("field.ntfy.action_body", "Method", a.Method)
	}
	return nil
}

// parseSimple reads one action of the simple form: the action and label
// first, then the URL of view and http, then key=value pairs.
func parseSimple(s string) (Action, error) {
	a := Action{}
	for i, sec := range splitQuoted(s, ',') {
		key, val := "", sec
		if k, v, ok := strings.Cut(sec, "="); ok && isKey(strings.TrimSpace(k)) && !quoted(sec) {
			key, val = strings.TrimSpace(k), strings.TrimSpace(v)
		}
		val = unquote(val)
		if key == "" {
			switch {
			case i == 0:
				key = "action"
			case i == 1:
				key = "label"
			case i == 2 && (strings.EqualFold(a.Action, "view") || strings.EqualFold(a.Action, "http")):
				key = "url"
			default:
				return a, i18n.New("field.ntfy.action_term", "Value", strconv.Quote(val))
			}
		}
		if err := setKey(&a, key, val); err != nil {
			return a, err
		}
		if i == 0 && !slices.Contains(actionKinds, strings.ToLower(a.Action)) {
			return a, i18n.New("field.ntfy.action_kind", "Value", strconv.Quote(a.Action))
		}
	}
	return a, nil
}

// setKey sets one key=value; keys match in any case, a header or extra
// keeps its name as written.
func setKey(a *Action, key, val string) error {
	lower := strings.ToLower(key)
	if strings.HasPrefix(lower, "headers.") {
		a.Headers = setMap(a.Headers, key[len("headers."):], val)
		return nil
	}
	if strings.HasPrefix(lower, "extras.") {
		a.Extras = setMap(a.Extras, key[len("extras."):], val)
		return nil
	}
	switch lower {
	case "action":
		a.Action = val
	case "label":
		a.Label = val
	case "url":
		a.URL = val
	case "method":
		a.Method = val
	case "body":
		a.Body = val
	case "intent":
		a.Intent = val
	case "clear":
		switch strings.ToLower(val) {
		case "true", "yes", "1":
			a.Clear = true
		case "false", "no", "0":
		default:
			return i18n.New("field.ntfy.action_clear", "Value", strconv.Quote(val))
		}
	default:
		return i18n.New("field.ntfy.action_key", "Key", strconv.Quote(key))
	}
	return nil
}

func setMap(m map[string]string, k, v string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	m[k] = v
	return m
}

func isKey(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if !(r == '-' || r == '.' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

func quoted(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasPrefix(s, `"`) || strings.HasPrefix(s, `'`)
}

// unquote strips a section's quotes and the backslashes escaping them.
func unquote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		q := string(s[0])
		return strings.ReplaceAll(s[1:len(s)-1], `\`+q, q)
	}
	return s
}

// splitQuoted splits s on sep outside quotes, dropping empty parts. A
// section (between commas or semicolons) may be quoted, or its value after
// key=, with "…" or '…'; a backslash escapes the quote inside.
func splitQuoted(s string, sep rune) []string {
	var parts []string
	var quote, prev rune
	start, section := 0, 0
	for i, r := range s {
		switch {
		case quote != 0:
			if r == quote && prev != '\\' {
				quote = 0
			}
		case r == '"' || r == '\'':
			if lead := strings.TrimSpace(s[section:i]); lead == "" || strings.HasSuffix(lead, "=") {
				quote = r
			}
		case r == ',' || r == ';':
			section = i + 1
			if r == sep {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
		prev = r
	}
	parts = append(parts, s[start:])
	out := parts[:0]
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	return out
}
