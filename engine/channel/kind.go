// Package channel defines what a push service is to Herald: a Kind with a
// field schema (which drives forms, the CLI and QD import alike) and a
// Channel that sends a message and says whether a failure is worth retrying.
package channel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/message"
	"github.com/heraldpush/herald/engine/redact"
	"github.com/heraldpush/herald/engine/secret"
)

// Channel delivers messages to one configured service endpoint.
type Channel interface {
	// Send delivers m. It honours ctx and returns nil only when the service
	// accepted the message. Failures are *Error values (see IsTransient).
	Send(ctx context.Context, m message.Message) error
}

// FieldType says how a field's text is interpreted and validated.
type FieldType string

const (
	TypeString FieldType = "string"
	TypeBool   FieldType = "bool"
	TypeInt    FieldType = "int"
	TypeURL    FieldType = "url"    // absolute http(s) URL
	TypeList   FieldType = "list"   // items separated by commas, "|" or newlines (";" is QD's field separator)
	TypeJSON   FieldType = "json"   // a JSON object
	TypeChoice FieldType = "choice" // one of Choices
)

// Field describes one setting of a kind.
type Field struct {
	Key     string   // canonical key, snake_case
	Aliases []string // other accepted names (the seeds' own names), matched case-insensitively
	// Env is qinglong's notify variable holding this field's value as is
	// ("PUSH_PLUS_TOKEN"); it is accepted as a name too, and export writes it.
	Env      string
	Label    string // English label; the i18n key is LabelKey
	Help     string // English help text; the i18n key is HelpKey
	DocURL   string // where the service documents this value
	Type     FieldType
	Required bool
	Secret   bool // stored only in the OS keyring, masked everywhere
	// Mask shows a secret's value masked yet recognisable (a URL's host and
	// path); nil shows only its last characters.
	Mask    func(v string) string
	Default string
	Choices []string // for TypeChoice
	// Validate checks a non-empty value after type checks; the error text
	// names the fix ("must start with SEC").
	Validate func(v string) error
}

// Kind describes one push service.
type Kind struct {
	ID     string // "dingtalk"
	Name   string // English display name; the i18n key is "kind.<id>.name"
	DocURL string
	// Fields in QD's ';' order first (QDFields of them), then Herald's own.
	Fields   []Field
	QDFields int
	// Check validates relations between fields after each field is valid.
	Check func(c Config) error
	// Open builds a channel from a validated config.
	Open func(c Config, deps Deps) (Channel, error)

	// Network is how the kind reaches its service; the contract suite
	// tests each accordingly.
	Network Network
	// Rates is the service's documented send limit, every window kept at
	// once; nil leaves the dispatcher's fallback.
	Rates []Rate
	// Badge is how lists draw the kind.
	Badge Badge
	// Aliases are other names imports use for the kind (the notification test request's
	// "wechat").
	Aliases []string
	// Import translates settings of an older schema in raw (a test request's
	// switches) and notes in given which name each new key came from;
	// nil: none.
	Import func(raw, given map[string]string)
	// PackedEnv maps qinglong's variables that are not one field's value
	// as is; nil: every variable of the kind is a Field.Env.
	PackedEnv *PackedEnv
}

// PackedEnv converts qinglong's notify variables that pack several fields
// into one (QYWX_AM is "corpid,secret,touser,agentid") or make one field
// from several (TG_PROXY_HOST, _PORT and _AUTH are one proxy URL).
type PackedEnv struct {
	// Vars are the variables Unpack reads, in upper case.
	Vars []string
	// Unpack sets fields of raw (by key) from vars, which holds the
	// non-empty ones of Vars by upper-case name. An error is a *FieldError
	// whose Field is the variable's name.
	Unpack func(vars, raw map[string]string) error
	// Pack writes c's values back as variables (Unpack's inverse), only
	// those with a value.
	Pack func(c Config, vars map[string]string)
}

// unpackEnv replaces the packed qinglong variables in raw by the fields
// they hold, so "QYWX_AM=…" is accepted wherever fields are.
func (k *Kind) unpackEnv(raw map[string]string) (map[string]string, error) {
	if k.PackedEnv == nil {
		return raw, nil
	}
	vars, rest := map[string]string{}, map[string]string{}
	for name, v := range raw {
		if slices.Contains(k.PackedEnv.Vars, strings.ToUpper(strings.TrimSpace(name))) {
			if v = strings.TrimSpace(v); v != "" {
				vars[strings.ToUpper(strings.TrimSpace(name))] = v
			}
			continue
		}
		rest[name] = v
	}
	if len(vars) == 0 {
		return rest, nil
	}
	unpacked := map[string]string{}
	if err := k.PackedEnv.Unpack(vars, unpacked); err != nil {
		var fe *FieldError
		if errors.As(err, &fe) && fe.Kind == "" {
			fe.Kind = k.ID
		}
		if errors.As(err, &fe) {
			return nil, FieldErrors{fe}
		}
		return nil, err
	}
	for key, v := range unpacked {
		if prev, given := rest[key]; given && strings.TrimSpace(prev) != "" && strings.TrimSpace(prev) != v {
			return nil, FieldErrors{newFieldError(k.ID, key, i18n.New("field.given_twice"))}
		}
		rest[key] = v
	}
	return rest, nil
}

// EnvVars lists every qinglong variable of the kind: its fields' Env,
// then PackedEnv's.
func (k *Kind) EnvVars() []string {
	var vars []string
	for _, f := range k.Fields {
		if f.Env != "" {
			vars = append(vars, f.Env)
		}
	}
	if k.PackedEnv != nil {
		vars = append(vars, k.PackedEnv.Vars...)
	}
	return vars
}

// Network says how a kind reaches its service.
type Network string

const (
	NetHTTP Network = ""     // HTTP, through the channel's proxy field
	NetSMTP Network = "smtp" // a direct connection: SMTP is not proxied
	NetNone Network = "none" // no service: the running app shows it
)

// Rate is a send limit: at most N messages in any window of length Per.
type Rate struct {
	N   int
	Per time.Duration
}

// Badge is a kind's mark: short text on a disc of the service's colour.
type Badge struct {
	Text  string
	Color color.NRGBA
}

// Deps are what a channel borrows from its host.
type Deps struct {
	// HTTP is the client HTTP kinds send with; nil means a default client
	// with a 30 s timeout. Per-channel proxies are applied on a copy.
	HTTP *http.Client
	// Now is the clock used for signatures and token expiry; nil means time.Now.
	Now func() time.Time
	// Redactor learns every value a channel derives from its secrets
	// (credentials, signatures) before it is sent, so answers quoting it
	// are redacted; nil: none are registered.
	Redactor *redact.Redactor
	// Desktop shows a native notification through the running app's window
	// system; nil in processes without one (CLI, daemon).
	Desktop func(title, body string) error
}

// Clock returns d.Now or time.Now.
func (d Deps) Clock() func() time.Time {
	if d.Now != nil {
		return d.Now
	}
	return time.Now
}

// LabelKey is the i18n key of a field's label.
func (k *Kind) LabelKey(f Field) string { return "channel." + k.ID + "." + f.Key + ".label" }

// HelpKey is the i18n key of a field's help text.
func (k *Kind) HelpKey(f Field) string { return "channel." + k.ID + "." + f.Key + ".help" }

// NameKey is the i18n key of the kind's display name.
func (k *Kind) NameKey() string { return "kind." + k.ID + ".name" }

// Field finds a field by key or alias, case-insensitively.
func (k *Kind) Field(name string) (Field, bool) {
	name = strings.TrimSpace(name)
	for _, f := range k.Fields {
		if strings.EqualFold(f.Key, name) {
			return f, true
		}
		if f.Env != "" && strings.EqualFold(f.Env, name) {
			return f, true
		}
		for _, a := range f.Aliases {
			if strings.EqualFold(a, name) {
				return f, true
			}
		}
	}
	return Field{}, false
}

// SecretKeys lists the keys of the kind's secret fields.
func (k *Kind) SecretKeys() []string {
	var keys []string
	for _, f := range k.Fields {
		if f.Secret {
			keys = append(keys, f.Key)
		}
	}
	return keys
}

// Config is a kind's settings by canonical key, defaults applied.
type Config map[string]string

// String returns the value of key.
func (c Config) String(key string) string { return c[key] }

// Bool returns the value of key as a bool (validated by Parse).
func (c Config) Bool(key string) bool {
	b, _ := parseBool(c[key])
	return b
}

// Int returns the value of key as an int (validated by Parse).
func (c Config) Int(key string) int {
	n, _ := strconv.Atoi(c[key])
	return n
}

// List returns the items of a list field, trimmed, empties dropped.
func (c Config) List(key string) []string { return SplitList(c[key]) }

// SplitList splits a list value on commas, '|' and newlines.
func SplitList(v string) []string {
	var out []string
	for _, item := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '\n' || r == '|' || r == '，' }) {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// Parse maps raw key=value settings onto the kind's fields: keys and aliases
// match case-insensitively, empty values take the default, and every field is
// validated. All problems are returned together as FieldErrors.
func (k *Kind) Parse(raw map[string]string) (Config, error) {
	c := Config{}
	var errs FieldErrors
	raw, err := k.unpackEnv(raw)
	if err != nil {
		return nil, err
	}
	for name, v := range raw {
		f, ok := k.Field(name)
		if !ok {
			errs = append(errs, newFieldError(k.ID, name, i18n.New("field.unknown", "Known", strings.Join(k.keys(), ", "))))
			continue
		}
		if _, dup := c[f.Key]; dup && strings.TrimSpace(v) != "" && c[f.Key] != strings.TrimSpace(v) {
			errs = append(errs, newFieldError(k.ID, f.Key, i18n.New("field.given_twice")))
			continue
		}
		if t := strings.TrimSpace(v); t != "" || c[f.Key] == "" {
			c[f.Key] = t
		}
	}
	for _, f := range k.Fields {
		v := c[f.Key]
		if v == "" {
			v = f.Default
		}
		if v == "" {
			delete(c, f.Key)
			if f.Required {
				errs = append(errs, newFieldError(k.ID, f.Key, i18n.New("field.required")))
			}
			continue
		}
		norm, err := f.check(v)
		if err != nil {
			errs = append(errs, newFieldError(k.ID, f.Key, err))
			continue
		}
		c[f.Key] = norm
	}
	slices.SortFunc(errs, func(a, b *FieldError) int { return k.index(a.Field) - k.index(b.Field) })
	if len(errs) > 0 {
		return nil, errs
	}
	if k.Check != nil {
		if err := k.Check(c); err != nil {
			var fe *FieldError
			if errors.As(err, &fe) {
				if fe.Kind == "" {
					fe.Kind = k.ID
				}
				return nil, FieldErrors{fe}
			}
			return nil, err
		}
	}
	return c, nil
}

// New parses raw settings and opens the channel.
func (k *Kind) New(raw map[string]string, deps Deps) (Channel, error) {
	c, err := k.Parse(raw)
	if err != nil {
		return nil, err
	}
	return k.Open(c, deps)
}

func (k *Kind) keys() []string {
	keys := make([]string, len(k.Fields))
	for i, f := range k.Fields {
		keys[i] = f.Key
	}
	return keys
}

func (k *Kind) index(key string) int {
	for i, f := range k.Fields {
		if f.Key == key {
			return i
		}
	}
	return len(k.Fields)
}

// check validates v against the field's type and its own rule and returns
// the normalised value.
func (f Field) check(v string) (string, error) {
	switch f.Type {
	case TypeBool:
		b, err := parseBool(v)
		if err != nil {
			return "", err
		}
		v = strconv.FormatBool(b)
	case TypeInt:
		if _, err := strconv.Atoi(v); err != nil {
			return "", i18n.New("field.int", "Value", strconv.Quote(v))
		}
	case TypeURL:
		if err := CheckURL(v); err != nil {
			return "", err
		}
	case TypeJSON:
		var obj map[string]any
		if err := json.Unmarshal([]byte(v), &obj); err != nil {
			return "", JSONError(err)
		}
	case TypeChoice:
		i := slices.IndexFunc(f.Choices, func(c string) bool { return strings.EqualFold(c, v) })
		if i < 0 {
			return "", i18n.New("field.choice", "Choices", strings.Join(f.Choices, ", "), "Value", strconv.Quote(v))
		}
		v = f.Choices[i]
	}
	if f.Validate != nil {
		if err := f.Validate(v); err != nil {
			return "", err
		}
	}
	// After the kind's own rules, whose messages say more.
	if err := checkText(v, f.Type == TypeJSON || f.Type == TypeList); err != nil {
		return "", err
	}
	if f.Secret { // on every OS: a config made here must work on Windows too
		if err := secret.CheckSize(v); err != nil {
			return "", err
		}
	}
	return v, nil
}

// checkText accepts valid UTF-8 without control characters; multi-line
// fields (JSON, lists) may hold line breaks and tabs. A stray line break
// would otherwise smuggle a second command into an SMTP dialogue or header.
func checkText(v string, multiline bool) error {
	if !utf8.ValidString(v) {
		return i18n.New("field.not_utf8")
	}
	for _, r := range v {
		if !unicode.IsControl(r) {
			continue
		}
		if multiline && (r == '\n' || r == '\r' || r == '\t') {
			continue
		}
		if multiline {
			return i18n.New("field.control", "Char", fmt.Sprintf("%U", r))
		}
		return i18n.New("field.control_one_line", "Char", fmt.Sprintf("%U", r))
	}
	return nil
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on", "y", "t":
		return true, nil
	case "0", "false", "no", "off", "n", "f":
		return false, nil
	}
	return false, i18n.New("field.bool", "Value", strconv.Quote(v))
}

// CheckURL accepts an absolute http or https URL with a host.
func CheckURL(v string) error {
	u, err := url.Parse(v)
	if err != nil {
		return i18n.Wrap(err, "field.url.invalid")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return i18n.New("field.url.scheme")
	}
	if u.Host == "" {
		return i18n.New("field.url.no_host")
	}
	if err := CheckHostName(u.Hostname()); err != nil {
		return i18n.Wrap(err, "field.url.host", "Host", strconv.Quote(u.Hostname()))
	}
	return nil
}

// CheckHostName accepts a host name (letters, digits, - and _ in dot-separated
// labels; international names too) or an IP address, never a path.
func CheckHostName(h string) error {
	bad := i18n.New("field.host_name")
	if net.ParseIP(strings.Trim(h, "[]")) != nil {
		return nil
	}
	labels := strings.Split(strings.TrimSuffix(h, "."), ".")
	if h == "" || len(h) > 253 {
		return bad
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return bad
		}
		for _, r := range l {
			if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_') {
				return bad
			}
		}
	}
	return nil
}

// CheckHostOrURL accepts a host field: a host name or IP with an
// optional :port, or an absolute http(s) URL (a reverse proxy may add a
// path).
func CheckHostOrURL(v string) error {
	if strings.Contains(v, "://") {
		return CheckURL(v)
	}
	hp := strings.TrimSuffix(v, "/")
	if strings.ContainsAny(hp, "/?#@") {
		return i18n.New("field.host_or_url")
	}
	host := hp
	if h, port, err := net.SplitHostPort(hp); err == nil {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return i18n.New("field.host_port", "Port", strconv.Quote(port))
		}
		host = h
	}
	return CheckHostName(host)
}

// BaseURL normalises a host field ("tg.example.com",
// "http://1.2.3.4:8080/", "https://qywx.example.com/") to a base URL without
// a trailing slash; an empty value gives def.
func BaseURL(v, def string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		v = def
	}
	if !strings.Contains(v, "://") {
		v = "https://" + v
	}
	return strings.TrimRight(v, "/")
}

// FieldError is a problem with one field's value.
type FieldError struct {
	Kind  string
	Field string
	Msg   string // the problem in English, without the field
	Err   error  // the problem as an i18n error (Msg's text); nil: Msg alone
}

// NewFieldError is a problem err with field of the kind the error is
// reported under (Kind.Parse fills it in for a kind's Check).
func NewFieldError(field string, err error) *FieldError { return newFieldError("", field, err) }

func newFieldError(kind, field string, err error) *FieldError {
	return &FieldError{Kind: kind, Field: field, Msg: err.Error(), Err: err}
}

func (e *FieldError) Error() string {
	if e.Kind == "" {
		return e.Field + ": " + e.Msg
	}
	return e.Kind + ": " + e.Field + ": " + e.Msg
}

// Unwrap returns the problem's i18n error.
func (e *FieldError) Unwrap() error { return e.Err }

// Problem is what is wrong, without the field: the text shown under the
// field's input.
func (e *FieldError) Problem() i18n.Text { return i18n.Problem(e.Err, e.Msg) }

// Label is the field's translated label, or its key for a field the kind
// does not have.
func (e *FieldError) Label() i18n.Text {
	key := "field.label." + e.Field // settings of every channel: its name
	if e.Kind != "" {
		key = (&Kind{ID: e.Kind}).LabelKey(Field{Key: e.Field})
	}
	return i18n.Label(key, e.Field)
}

// UserText reads "label: problem" ("加签密钥：必须以 SEC 开头").
func (e *FieldError) UserText() i18n.Text { return i18n.FieldProblem(e.Label(), e.Problem()) }

// FieldErrors are all the problems found in one config.
type FieldErrors []*FieldError

func (es FieldErrors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// UserText lists every problem with its field's label.
func (es FieldErrors) UserText() i18n.Text {
	texts := make([]i18n.Text, len(es))
	for i, e := range es {
		texts[i] = e.UserText()
	}
	return i18n.Join(texts...)
}

// Unwrap lets errors.As find each FieldError.
func (es FieldErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// JSONError is a value that is not a JSON object: English quotes the
// decoder's own words, other languages say where the syntax breaks.
func JSONError(err error) error {
	detail := i18n.Plain(err.Error())
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		detail = i18n.T("field.json.syntax", "Offset", syn.Offset)
	case errors.As(err, &typ):
		detail = i18n.T("field.json.type", "Got", typ.Value)
	}
	return i18n.Wrap(err, "field.json", "Detail", detail)
}

// In sets the kind the problem is reported under.
func (e *FieldError) In(kind string) *FieldError {
	e.Kind = kind
	return e
}

// CheckField validates one field's value on its own as Parse does (an
// empty value takes the default; the type, the field's own rule, required),
// so a form can clear a field's error as soon as it is fixed. Relations
// between fields (Check) need the whole config: Parse sees those.
func (k *Kind) CheckField(key, v string) error {
	f, ok := k.Field(key)
	if !ok {
		return newFieldError(k.ID, key, i18n.New("field.unknown", "Known", strings.Join(k.keys(), ", ")))
	}
	if v = strings.TrimSpace(v); v == "" {
		v = f.Default
	}
	if v == "" {
		if f.Required {
			return newFieldError(k.ID, f.Key, i18n.New("field.required"))
		}
		return nil
	}
	if _, err := f.check(v); err != nil {
		return newFieldError(k.ID, f.Key, err)
	}
	return nil
}
