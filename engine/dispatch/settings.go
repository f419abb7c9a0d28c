// Package dispatch decides which pushes a finished run causes, renders them,
// summarises runs in periodic digests and delivers everything through the
// durable outbox.
package dispatch

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/heraldpush/herald/engine/channel/kinds"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/task"
)

// BatchSettings is the periodic digest (QD's 任务结果批量推送).
type BatchSettings struct {
	Enabled   bool   `json:"enabled"`
	First     string `json:"first"`      // "HH:MM:SS" local, default "12:00:00"
	Interval  int    `json:"interval"`   // seconds, default 86400, min 60
	SkipEmpty bool   `json:"skip_empty"` // default true
}

// Settings are the global push settings. Stored as one JSON document; a
// document written by an older version is read onto DefaultSettings, so
// keys it lacks keep their defaults.
type Settings struct {
	Enabled              bool                `json:"enabled"`                // global switch, default true
	AllChannels          bool                `json:"all_channels"`           // default true: every registered channel
	Channels             []string            `json:"channels"`               // channel ids when !AllChannels
	ManualSuccess        bool                `json:"manual_success"`         // default false
	ManualFailure        bool                `json:"manual_failure"`         // default true
	AutoSuccess          bool                `json:"auto_success"`           // default false
	AutoFailure          bool                `json:"auto_failure"`           // default true
	FailuresBeforeNotify int                 `json:"failures_before_notify"` // 0–99, default 0 (every automatic failure)
	Recovery             bool                `json:"recovery"`               // default true
	Batch                BatchSettings       `json:"batch"`
	Language             string              `json:"language"`       // "" (system) | "en" | "zh": default templates
	TitleTemplate        string              `json:"title_template"` // "" = default for the language
	BodyTemplate         string              `json:"body_template"`
	RateLimits           map[string]string   `json:"rate_limits"`  // kind → "20/min", overrides defaults
	Quiet                QuietSettings       `json:"quiet"`        // quiet hours (quiet.go)
	Burst                BurstSettings       `json:"burst"`        // burst coalescing (burst.go)
	Anomaly              AnomalySettings     `json:"anomaly"`      // duration anomaly (watch.go)
	Heartbeat            HeartbeatSettings   `json:"heartbeat"`    // Herald's own heartbeat; its URL is in the keyring
	AwaySummary          bool                `json:"away_summary"` // default true: one summary after Herald was away
	Reminder             ReminderSettings    `json:"reminder"`     // repeat reminders (remindsettings.go)
	Escalation           EscalationSettings  `json:"escalation"`   // escalation channel set
	Fallbacks            map[string][]string `json:"fallbacks"`    // channel id → fallback channel ids
}

// Limits of the settings.
const (
	MaxFailuresBeforeNotify = 99
	MinBatchInterval        = 60
	// MaxBatchInterval keeps interval arithmetic far from overflow; a
	// digest less often than yearly is no digest.
	MaxBatchInterval = 366 * 86400
)

// DefaultSettings are the settings of a fresh install: failures pushed to
// every registered channel, successes not, a recovery notice, no digest.
func DefaultSettings() Settings {
	return Settings{
		Enabled:       true,
		AllChannels:   true,
		ManualFailure: true,
		AutoFailure:   true,
		Recovery:      true,
		Batch: BatchSettings{
			First:     "12:00:00",
			Interval:  86400,
			SkipEmpty: true,
		},
		Anomaly:     defaultAnomaly(),
		Heartbeat:   defaultHeartbeat(),
		AwaySummary: true,
		Reminder:    ReminderSettings{Max: DefaultMaxReminders},
	}
}

// FieldError is a bad setting: Field is the key as the CLI and the JSON
// document spell it, Msg says what is wrong and how to fix it.
type FieldError struct {
	Field string
	Msg   string
	Err   error // the problem as an i18n error, or its cause (e.g. an unknown channel name)
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }
func (e *FieldError) Unwrap() error { return e.Err }

// Problem is what is wrong, without the setting, in the user's language.
func (e *FieldError) Problem() i18n.Text { return i18n.Problem(e.Err, e.Msg) }

// UserText reads "setting: problem".
func (e *FieldError) UserText() i18n.Text {
	return i18n.FieldProblem(i18n.Label("push.field."+e.Field, e.Field), e.Problem())
}

// fieldErr is a problem with field, read as the i18n text key with kv.
func fieldErr(field, key string, kv ...any) *FieldError {
	err := i18n.New(key, kv...)
	return &FieldError{Field: field, Msg: err.Error(), Err: err}
}

// Validate checks every setting and reports the first bad one.
func (s Settings) Validate() error {
	if err := checkFailuresBeforeNotify(s.FailuresBeforeNotify); err != nil {
		return err
	}
	if err := checkChannelIDs(s.Channels); err != nil {
		return err
	}
	if err := checkBatchFirst(s.Batch.First); err != nil {
		return err
	}
	if err := checkBatchInterval(s.Batch.Interval); err != nil {
		return err
	}
	if err := checkLanguage(s.Language); err != nil {
		return err
	}
	if err := CheckTemplates(s.TitleTemplate, s.BodyTemplate); err != nil {
		return err
	}
	for _, kind := range slices.Sorted(maps.Keys(s.RateLimits)) {
		if err := checkRateLimit(kind, s.RateLimits[kind]); err != nil {
			return err
		}
	}
	if err := s.validateQuietBurst(); err != nil {
		return err
	}
	if err := s.validateWatch(); err != nil {
		return err
	}
	return s.validateRemind()
}

func checkFailuresBeforeNotify(n int) error {
	if n < 0 || n > MaxFailuresBeforeNotify {
		return fieldErr("failures_before_notify", "push.failures.range", "Max", MaxFailuresBeforeNotify, "Value", n)
	}
	return nil
}

func checkChannelIDs(ids []string) error {
	for _, id := range ids {
		if strings.TrimSpace(id) == "" {
			return fieldErr("channels", "push.channels.empty_id")
		}
	}
	return nil
}

func checkBatchFirst(v string) error {
	if _, _, _, err := task.ParseClock(v); err != nil {
		err := i18n.Wrap(err, "push.batch.first")
		return &FieldError{Field: "batch.first", Msg: err.Error(), Err: err}
	}
	return nil
}

func checkBatchInterval(n int) error {
	switch {
	case n < MinBatchInterval:
		return fieldErr("batch.interval", "push.interval.min", "Min", MinBatchInterval, "Value", n)
	case n > MaxBatchInterval:
		return fieldErr("batch.interval", "push.interval.max", "Max", MaxBatchInterval, "Value", n)
	case n > 86400 && n%86400 != 0:
		// A longer interval that is not whole days has no phase that can
		// be recomputed from the time of day alone (see NextDigest).
		return fieldErr("batch.interval", "push.interval.days", "Value", n)
	}
	return nil
}

func checkLanguage(v string) error {
	switch v {
	case "", "en", "zh":
		return nil
	}
	return fieldErr("language", "push.language", "Value", strconv.Quote(v))
}

func checkRateLimit(kind, v string) error {
	key := "rate_limits." + kind
	if _, ok := kinds.Get(kind); !ok {
		return fieldErr(key, "push.rate.kind", "Value", strconv.Quote(kind), "Known", strings.Join(kinds.IDs(), ", "))
	}
	if _, err := ParseLimit(v); err != nil {
		return &FieldError{Field: key, Msg: err.Error(), Err: err}
	}
	return nil
}

// ParseLimit reads one rate ("20/min") or several that must all hold,
// separated by commas ("5/sec, 100/min").
func ParseLimit(v string) (Limit, error) {
	var l Limit
	for part := range strings.SplitSeq(v, ",") {
		n, per, err := ParseRate(part)
		if err != nil {
			return nil, err
		}
		l = append(l, Rate{N: n, Per: per})
	}
	return l, nil
}

// ParseRate reads a rate limit such as "20/min", "1/sec" or "100/hour":
// at most n messages per period. Units: sec (s, second), min (m, minute),
// hour (h).
func ParseRate(v string) (n int, per time.Duration, err error) {
	num, unit, ok := strings.Cut(strings.TrimSpace(v), "/")
	if ok {
		n, err = strconv.Atoi(strings.TrimSpace(num))
	}
	if !ok || err != nil {
		return 0, 0, i18n.New("push.rate.form", "Value", strconv.Quote(v))
	}
	if n < 1 {
		return 0, 0, i18n.New("push.rate.n", "Value", strconv.Quote(v))
	}
	switch strings.ToLower(strings.TrimSpace(unit)) {
	case "s", "sec", "second":
		per = time.Second
	case "m", "min", "minute":
		per = time.Minute
	case "h", "hour":
		per = time.Hour
	default:
		return 0, 0, i18n.New("push.rate.unit", "Value", strconv.Quote(v))
	}
	return n, per, nil
}

// Keys that Settings.Set and TaskOverrides.Set accept, in display order.
var (
	settingKeys = slices.Concat([]string{
		"enabled", "channels", "all_channels", "manual_success", "manual_failure", "auto_success", "auto_failure",
		"failures_before_notify", "recovery", "batch.enabled", "batch.first", "batch.interval", "batch.skip_empty",
		"language", "title_template", "body_template", "rate_limits.<kind>",
		"quiet.windows", "quiet.break_through", "burst.max", "burst.window",
	}, watchKeys, remindSettingKeys)
	overrideKeys = slices.Concat([]string{
		"push", "channels", "manual_success", "manual_failure", "auto_success", "auto_failure",
		"failures_before_notify", "recovery", "quiet_windows", "quiet_break_through",
	}, watchOverrideKeys, remindOverrideKeys)
)

// valueDefault resets a setting: to its default in Settings, to "use the
// global setting" in TaskOverrides.
const valueDefault = "default"

// Set changes one setting from its CLI form key=value. Keys are the JSON
// names, nested ones dotted ("batch.first", "rate_limits.telegram").
// Booleans take true/false, on/off, yes/no or 1/0. channels takes "all"
// (every registered channel), "none", or comma-separated channel names,
// which resolve turns into ids (nil resolve: the names are ids). The value
// "default" restores the key's default. The change is checked; on error s
// is unchanged.
func (s *Settings) Set(key, value string, resolve func(names []string) ([]string, error)) error {
	key = strings.TrimSpace(key)
	v := strings.TrimSpace(value)
	reset := strings.EqualFold(v, valueDefault)
	next := *s
	var err error
	if kind, ok := strings.CutPrefix(key, "rate_limits."); ok {
		err = next.setRateLimit(kind, v, reset)
	} else if field := settingBools[key]; field != nil {
		def := DefaultSettings()
		err = setBool(key, v, reset, *field(&def), field(&next))
	} else {
		err = next.setValue(key, value, reset, resolve)
	}
	if err != nil {
		return err
	}
	*s = next
	return nil
}

// settingBools are the boolean settings by key.
var settingBools = map[string]func(*Settings) *bool{
	"enabled":             func(s *Settings) *bool { return &s.Enabled },
	"all_channels":        func(s *Settings) *bool { return &s.AllChannels },
	"manual_success":      func(s *Settings) *bool { return &s.ManualSuccess },
	"manual_failure":      func(s *Settings) *bool { return &s.ManualFailure },
	"auto_success":        func(s *Settings) *bool { return &s.AutoSuccess },
	"auto_failure":        func(s *Settings) *bool { return &s.AutoFailure },
	"recovery":            func(s *Settings) *bool { return &s.Recovery },
	"batch.enabled":       func(s *Settings) *bool { return &s.Batch.Enabled },
	"batch.skip_empty":    func(s *Settings) *bool { return &s.Batch.SkipEmpty },
	"quiet.break_through": func(s *Settings) *bool { return &s.Quiet.BreakThrough },
}

// setRateLimit sets or (reset or empty) removes one kind's rate limit.
// s shares its map with the settings it was copied from: it is cloned
// before the change.
func (s *Settings) setRateLimit(kind, v string, reset bool) error {
	if reset || v == "" {
		s.RateLimits = maps.Clone(s.RateLimits)
		delete(s.RateLimits, kind)
		if len(s.RateLimits) == 0 {
			s.RateLimits = nil
		}
		return nil
	}
	if err := checkRateLimit(kind, v); err != nil {
		return err
	}
	s.RateLimits = maps.Clone(s.RateLimits)
	if s.RateLimits == nil {
		s.RateLimits = map[string]string{}
	}
	s.RateLimits[kind] = v
	return nil
}

// setValue sets one of the settings that are neither booleans nor rate
// limits; value is as typed (templates keep their blanks).
func (s *Settings) setValue(key, value string, reset bool, resolve func(names []string) ([]string, error)) error {
	v := strings.TrimSpace(value)
	def := DefaultSettings()
	var err error
	switch key {
	case "failures_before_notify":
		s.FailuresBeforeNotify = def.FailuresBeforeNotify
		if !reset {
			s.FailuresBeforeNotify, err = parseFailures(v)
		}
	case "batch.interval":
		s.Batch.Interval = def.Batch.Interval
		if !reset {
			s.Batch.Interval, err = parseBatchInterval(v)
		}
	case "batch.first":
		s.Batch.First = def.Batch.First
		if !reset {
			s.Batch.First, err = normalizeClock(v)
		}
	case "language":
		s.Language = def.Language
		if !reset {
			s.Language = strings.ToLower(v)
			err = checkLanguage(s.Language)
		}
	case "title_template":
		s.TitleTemplate = templateValue(value, reset)
		err = CheckTemplates(s.TitleTemplate, s.BodyTemplate)
	case "body_template":
		s.BodyTemplate = templateValue(value, reset)
		err = CheckTemplates(s.TitleTemplate, s.BodyTemplate)
	case "channels":
		err = s.setChannels(v, reset, resolve)
	case "quiet.windows", "burst.max", "burst.window":
		err = s.setQuietBurst(key, v, reset)
	default:
		if handled, err := s.setWatch(key, v, reset); handled {
			return err
		}
		if handled, err := s.setRemind(key, v, reset, resolve); handled {
			return err
		}
		return unknownKey(key, settingKeys)
	}
	return err
}

// templateValue is a template as typed: surrounding blanks may matter.
// A reset restores the language's default template ("").
func templateValue(value string, reset bool) string {
	if reset {
		return ""
	}
	return value
}

func parseBatchInterval(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fieldErr("batch.interval", "push.interval.number", "Min", MinBatchInterval, "Value", strconv.Quote(v))
	}
	return n, checkBatchInterval(n)
}

// setChannels takes "all" (or a reset), "none", or channel names.
func (s *Settings) setChannels(v string, reset bool, resolve func(names []string) ([]string, error)) error {
	switch {
	case reset || strings.EqualFold(v, "all"):
		s.AllChannels, s.Channels = true, nil
	case strings.EqualFold(v, "none"):
		s.AllChannels, s.Channels = false, nil
	default:
		ids, err := resolveChannels(v, resolve)
		if err != nil {
			return err
		}
		s.AllChannels, s.Channels = false, ids
	}
	return nil
}

func unknownKey(key string, valid []string) error {
	return fieldErr(key, "push.unknown", "Known", strings.Join(valid, ", "))
}

func parseBool(key, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "on", "yes", "1":
		return true, nil
	case "false", "off", "no", "0":
		return false, nil
	}
	return false, fieldErr(key, "push.bool", "Value", strconv.Quote(v))
}

func setBool(key, v string, reset, def bool, into *bool) error {
	if reset {
		*into = def
		return nil
	}
	b, err := parseBool(key, v)
	if err != nil {
		return err
	}
	*into = b
	return nil
}

func parseFailures(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fieldErr("failures_before_notify", "push.failures.number", "Max", MaxFailuresBeforeNotify, "Value", strconv.Quote(v))
	}
	return n, checkFailuresBeforeNotify(n)
}

// normalizeClock accepts HH:MM too and stores HH:MM:SS, the form QD uses.
func normalizeClock(v string) (string, error) {
	if err := checkBatchFirst(v); err != nil {
		return "", err
	}
	h, m, sec, _ := task.ParseClock(v)
	return fmt.Sprintf("%02d:%02d:%02d", h, m, sec), nil
}

// resolveChannels splits comma-separated names, drops blanks and
// duplicates, and asks resolve for the ids.
func resolveChannels(v string, resolve func(names []string) ([]string, error)) ([]string, error) {
	var names []string
	for _, n := range strings.Split(v, ",") {
		if n = strings.TrimSpace(n); n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return nil, fieldErr("channels", "push.channels.list")
	}
	ids := names
	if resolve != nil {
		var err error
		ids, err = resolve(names)
		if err != nil {
			return nil, &FieldError{Field: "channels", Msg: err.Error(), Err: err}
		}
	}
	return dedupe(ids), checkChannelIDs(ids)
}

func dedupe(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// TaskOverrides are one task's departures from the global settings; nil
// means "use the global setting".
type TaskOverrides struct {
	Push                 *bool    `json:"push,omitempty"`     // per-task switch, default on
	Channels             []string `json:"channels,omitempty"` // nil (or empty) = global set
	ManualSuccess        *bool    `json:"manual_success,omitempty"`
	ManualFailure        *bool    `json:"manual_failure,omitempty"`
	AutoSuccess          *bool    `json:"auto_success,omitempty"`
	AutoFailure          *bool    `json:"auto_failure,omitempty"`
	FailuresBeforeNotify *int     `json:"failures_before_notify,omitempty"`
	Recovery             *bool    `json:"recovery,omitempty"`
	QuietWindows         *string  `json:"quiet_windows,omitempty"`       // this task's quiet hours; "off": none
	QuietBreakThrough    *bool    `json:"quiet_break_through,omitempty"` // its failures are sent at once in quiet hours
	Deadman              string   `json:"deadman,omitempty"`             // "must succeed at least every", e.g. "26h", "2d"; "" = off
	Anomaly              *bool    `json:"anomaly,omitempty"`             // duration anomaly warning
	ReminderInterval     *int     `json:"reminder_interval,omitempty"`   // seconds; see ReminderSettings
	ReminderMax          *int     `json:"reminder_max,omitempty"`
	EscalationAfter      *int     `json:"escalation_after,omitempty"`
	EscalationFailures   *int     `json:"escalation_failures,omitempty"`
	EscalationChannels   []string `json:"escalation_channels,omitempty"` // nil = global escalation set
}

// Validate checks the overrides that are set.
func (o TaskOverrides) Validate() error {
	if o.FailuresBeforeNotify != nil {
		if err := checkFailuresBeforeNotify(*o.FailuresBeforeNotify); err != nil {
			return err
		}
	}
	if o.QuietWindows != nil {
		if err := checkQuietWindows("quiet_windows", *o.QuietWindows); err != nil {
			return err
		}
	}
	if err := o.validateWatch(); err != nil {
		return err
	}
	if err := o.validateRemind(); err != nil {
		return err
	}
	return checkChannelIDs(o.Channels)
}

// Set changes one override from its CLI form key=value (keys: the JSON
// names). "default" (or an empty value) removes the override so the global
// setting applies; channels takes comma-separated channel names, resolved
// to ids by resolve (nil resolve: the names are ids). To stop a task's
// pushes set push=off. On error o is unchanged.
func (o *TaskOverrides) Set(key, value string, resolve func(names []string) ([]string, error)) error {
	key = strings.TrimSpace(key)
	v := strings.TrimSpace(value)
	reset := v == "" || strings.EqualFold(v, valueDefault)
	next := *o
	var err error
	switch key {
	case "push":
		next.Push, err = overrideBool(key, v, reset)
	case "manual_success":
		next.ManualSuccess, err = overrideBool(key, v, reset)
	case "manual_failure":
		next.ManualFailure, err = overrideBool(key, v, reset)
	case "auto_success":
		next.AutoSuccess, err = overrideBool(key, v, reset)
	case "auto_failure":
		next.AutoFailure, err = overrideBool(key, v, reset)
	case "recovery":
		next.Recovery, err = overrideBool(key, v, reset)
	case "quiet_break_through":
		next.QuietBreakThrough, err = overrideBool(key, v, reset)
	case "quiet_windows":
		next.QuietWindows = nil
		if !reset {
			var w string
			w, err = normalizeQuietWindows(key, v)
			next.QuietWindows = &w
		}
	case "failures_before_notify":
		next.FailuresBeforeNotify = nil
		if !reset {
			var n int
			n, err = parseFailures(v)
			next.FailuresBeforeNotify = &n
		}
	case "channels":
		next.Channels = nil
		switch {
		case reset:
		case strings.EqualFold(v, "all"), strings.EqualFold(v, "none"):
			// An empty list cannot be stored apart from "unset", and "all"
			// would freeze today's channels: both have clearer spellings.
			err = fieldErr(key, "push.channels.task")
		default:
			next.Channels, err = resolveChannels(v, resolve)
		}
	default:
		var handled bool
		if handled, err = next.setWatch(key, v, reset); !handled {
			if handled, err = next.setRemind(key, v, reset, resolve); !handled {
				return unknownKey(key, overrideKeys)
			}
		}
	}
	if err != nil {
		return err
	}
	*o = next
	return nil
}

func overrideBool(key, v string, reset bool) (*bool, error) {
	if reset {
		return nil, nil
	}
	b, err := parseBool(key, v)
	if err != nil {
		return nil, err
	}
	return &b, nil
}
