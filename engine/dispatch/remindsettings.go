package dispatch

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ReminderSettings repeat a failure while a task keeps failing.
type ReminderSettings struct {
	Interval int `json:"interval"` // seconds between reminders; 0: no reminders (default)
	Max      int `json:"max"`      // at most this many reminders per failure streak, default 3
}

// EscalationSettings push a failure streak to more channels once it has
// lasted long enough or been pushed often enough, once per streak.
type EscalationSettings struct {
	After    int      `json:"after"`    // seconds since the streak's first failure; 0: off
	Failures int      `json:"failures"` // pushed failures without a recovery; 0: off
	Channels []string `json:"channels"` // channel ids of the escalation set; none: off
}

// Limits of the reminder and escalation settings.
const (
	MaxReminders       = 99
	MaxEscalationCount = 999
	// MaxRemindDuration keeps duration arithmetic far from overflow.
	MaxRemindDuration = 366 * 86400
)

// Defaults of the reminder settings (off until an interval is set).
const DefaultMaxReminders = 3

// remindSettingKeys are the keys remindSet takes, in display order;
// "fallback.<channel>" sets a channel's fallbacks.
var remindSettingKeys = []string{
	"reminder.interval", "reminder.max", "escalation.after", "escalation.failures", "escalation.channels", "fallback.<channel>",
}

// remindOverrideKeys are the per-task keys of reminders and escalation.
var remindOverrideKeys = []string{
	"reminder.interval", "reminder.max", "escalation.after", "escalation.failures", "escalation.channels",
}

// validateRemind checks the reminder, escalation and fallback settings.
func (s Settings) validateRemind() error {
	if err := checkSeconds("reminder.interval", s.Reminder.Interval); err != nil {
		return err
	}
	if err := checkCount("reminder.max", s.Reminder.Max, 1, MaxReminders); err != nil {
		return err
	}
	if err := checkSeconds("escalation.after", s.Escalation.After); err != nil {
		return err
	}
	if err := checkCount("escalation.failures", s.Escalation.Failures, 0, MaxEscalationCount); err != nil {
		return err
	}
	if err := checkChannelIDs(s.Escalation.Channels); err != nil {
		return err
	}
	for _, id := range slices.Sorted(maps.Keys(s.Fallbacks)) {
		fb := s.Fallbacks[id]
		if err := checkChannelIDs(fb); err != nil {
			return err
		}
		if slices.Contains(fb, id) {
			return fieldErr("fallback."+id, "remind.fallback.self")
		}
	}
	return nil
}

func checkSeconds(key string, n int) error {
	if n < 0 || n > MaxRemindDuration {
		return fieldErr(key, "remind.duration.range", "Value", n)
	}
	return nil
}

func checkCount(key string, n, lo, hi int) error {
	if n < lo || n > hi {
		return fieldErr(key, "remind.count.range", "Min", lo, "Max", hi, "Value", n)
	}
	return nil
}

// ParseRemindDuration reads a reminder or escalation duration: "4h",
// "30m", "1h30m", "2d", a number of seconds, or "off" (0).
func ParseRemindDuration(key, v string) (int, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	switch v {
	case "off", "none", "0":
		return 0, nil
	}
	if n, err := strconv.Atoi(v); err == nil {
		return n, checkSeconds(key, n)
	}
	days := 0
	if d, rest, ok := strings.Cut(v, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil {
			return 0, fieldErr(key, "remind.duration.form", "Value", strconv.Quote(v))
		}
		days, v = n, rest
	}
	var dur time.Duration
	if v != "" {
		var err error
		if dur, err = time.ParseDuration(v); err != nil {
			return 0, fieldErr(key, "remind.duration.form", "Value", strconv.Quote(v))
		}
	}
	if days > MaxRemindDuration/86400 || dur > MaxRemindDuration*time.Second {
		return 0, fieldErr(key, "remind.duration.range", "Value", strconv.Quote(v))
	}
	n := days*86400 + int(dur/time.Second)
	if n == 0 && dur > 0 {
		n = 1
	}
	return n, checkSeconds(key, n)
}

func parseCount(key, v string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, fieldErr(key, "remind.count.number", "Min", lo, "Max", hi, "Value", strconv.Quote(v))
	}
	return n, checkCount(key, n, lo, hi)
}

// setRemind sets one reminder, escalation or fallback key; handled is
// false for other keys.
func (s *Settings) setRemind(key, v string, reset bool, resolve func(names []string) ([]string, error)) (handled bool, err error) {
	def := DefaultSettings()
	switch key {
	case "reminder.interval":
		s.Reminder.Interval = def.Reminder.Interval
		if !reset {
			s.Reminder.Interval, err = ParseRemindDuration(key, v)
		}
	case "reminder.max":
		s.Reminder.Max = def.Reminder.Max
		if !reset {
			s.Reminder.Max, err = parseCount(key, v, 1, MaxReminders)
		}
	case "escalation.after":
		s.Escalation.After = def.Escalation.After
		if !reset {
			s.Escalation.After, err = ParseRemindDuration(key, v)
		}
	case "escalation.failures":
		s.Escalation.Failures = def.Escalation.Failures
		if !reset {
			s.Escalation.Failures, err = parseCount(key, v, 0, MaxEscalationCount)
		}
	case "escalation.channels":
		s.Escalation.Channels = nil
		if !reset && !strings.EqualFold(v, "none") && v != "" {
			s.Escalation.Channels, err = resolveChannels(v, resolve)
			err = renameField(err, key)
		}
	default:
		name, ok := strings.CutPrefix(key, "fallback.")
		if !ok {
			return false, nil
		}
		return true, s.setFallback(name, v, reset, resolve)
	}
	return true, err
}

// setFallback sets (or with reset, "none" or "" removes) the fallbacks of
// the channel named name.
func (s *Settings) setFallback(name, v string, reset bool, resolve func(names []string) ([]string, error)) error {
	key := "fallback." + name
	ids, err := resolveChannels(name, resolve)
	if err != nil {
		return renameField(err, key)
	}
	id := ids[0]
	s.Fallbacks = maps.Clone(s.Fallbacks)
	delete(s.Fallbacks, id)
	if !reset && v != "" && !strings.EqualFold(v, "none") {
		fb, err := resolveChannels(v, resolve)
		if err != nil {
			return renameField(err, key)
		}
		if slices.Contains(fb, id) {
			return fieldErr(key, "remind.fallback.self")
		}
		if s.Fallbacks == nil {
			s.Fallbacks = map[string][]string{}
		}
		s.Fallbacks[id] = fb
	}
	if len(s.Fallbacks) == 0 {
		s.Fallbacks = nil
	}
	return nil
}

// renameField makes a channels FieldError name key instead.
func renameField(err error, key string) error {
	if fe, ok := err.(*FieldError); ok && fe != nil {
		c := *fe
		c.Field = key
		return &c
	}
	return err
}

// setRemind sets one per-task reminder or escalation override; handled is
// false for other keys.
func (o *TaskOverrides) setRemind(key, v string, reset bool, resolve func(names []string) ([]string, error)) (handled bool, err error) {
	intPtr := func(n int, err error) (*int, error) {
		if err != nil {
			return nil, err
		}
		return &n, nil
	}
	switch key {
	case "reminder.interval":
		o.ReminderInterval = nil
		if !reset {
			o.ReminderInterval, err = intPtr(ParseRemindDuration(key, v))
		}
	case "reminder.max":
		o.ReminderMax = nil
		if !reset {
			o.ReminderMax, err = intPtr(parseCount(key, v, 1, MaxReminders))
		}
	case "escalation.after":
		o.EscalationAfter = nil
		if !reset {
			o.EscalationAfter, err = intPtr(ParseRemindDuration(key, v))
		}
	case "escalation.failures":
		o.EscalationFailures = nil
		if !reset {
			o.EscalationFailures, err = intPtr(parseCount(key, v, 0, MaxEscalationCount))
		}
	case "escalation.channels":
		o.EscalationChannels = nil
		if !reset {
			o.EscalationChannels, err = resolveChannels(v, resolve)
			err = renameField(err, key)
		}
	default:
		return false, nil
	}
	return true, err
}

// validateRemind checks the per-task reminder and escalation overrides.
func (o TaskOverrides) validateRemind() error {
	for _, c := range []struct {
		key string
		v   *int
	}{{"reminder.interval", o.ReminderInterval}, {"escalation.after", o.EscalationAfter}} {
		if c.v != nil {
			if err := checkSeconds(c.key, *c.v); err != nil {
				return err
			}
		}
	}
	if o.ReminderMax != nil {
		if err := checkCount("reminder.max", *o.ReminderMax, 1, MaxReminders); err != nil {
			return err
		}
	}
	if o.EscalationFailures != nil {
		if err := checkCount("escalation.failures", *o.EscalationFailures, 0, MaxEscalationCount); err != nil {
			return err
		}
	}
	return checkChannelIDs(o.EscalationChannels)
}

// remindRules are the reminder and escalation settings that apply to one
// task.
type remindRules struct {
	interval          time.Duration
	maxReminders      int
	escalateAfter     time.Duration
	escalateFailures  int
	escalationChannel []string
}

func remindRulesFor(s Settings, o TaskOverrides) remindRules {
	ch := s.Escalation.Channels
	if len(o.EscalationChannels) > 0 {
		ch = o.EscalationChannels
	}
	return remindRules{
		interval:          time.Duration(overrideOr(o.ReminderInterval, s.Reminder.Interval)) * time.Second,
		maxReminders:      overrideOr(o.ReminderMax, s.Reminder.Max),
		escalateAfter:     time.Duration(overrideOr(o.EscalationAfter, s.Escalation.After)) * time.Second,
		escalateFailures:  overrideOr(o.EscalationFailures, s.Escalation.Failures),
		escalationChannel: ch,
	}
}
