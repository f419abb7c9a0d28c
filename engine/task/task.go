// Package task defines the user's scheduled work — what to run, when, and
// what a run recorded — and executes a task once (see Execute).
package task

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/heraldpush/herald/engine/i18n"
)

// Kind is what a task does.
type Kind string

const (
	KindCommand Kind = "command" // a program or a shell line
	KindHTTP    Kind = "http"    // an HTTP check
)

// Trigger is why a run happened.
type Trigger string

const (
	TriggerAuto   Trigger = "auto"   // fired by the schedule
	TriggerManual Trigger = "manual" // Run now
	TriggerTest   Trigger = "test"   // a trial run from a form, not counted by push rules
)

// Status is how a run ended.
type Status string

const (
	StatusSuccess Status = "success"
	StatusFailure Status = "failure"
	StatusTimeout Status = "timeout"
	StatusSkipped Status = "skipped" // fired while the previous run was still going
)

// The Error of a skipped run, as stored (in English, read back by Outcome):
// one fire, or several counted during one run.
const (
	SkippedError     = "skipped: the previous run was still going"
	SkippedManyError = "skipped %d fires: the previous run was still going"
)

// Failed reports whether s counts as a failure for push rules.
func (s Status) Failed() bool { return s == StatusFailure || s == StatusTimeout }

// Defaults.
const (
	DefaultTimeout   = 10 * time.Minute
	DefaultOutputCap = 256 << 10
)

// Overlap says what happens when a task fires while its previous run is
// still going.
type Overlap string

const (
	OverlapSkip  Overlap = "skip"  // record a skipped run (default)
	OverlapQueue Overlap = "queue" // run once more right after the current run; further fires are skipped
)

// Missed says what happens at start-up to runs that fell due while Herald
// was not running.
type Missed string

const (
	MissedSkip Missed = "skip" // default
	MissedRun  Missed = "run"  // run once at start-up
)

// Task is one piece of scheduled work.
type Task struct {
	ID      int64
	Name    string
	Kind    Kind
	Command *Command   // when Kind == KindCommand
	HTTP    *HTTPCheck // when Kind == KindHTTP

	Schedule Schedule
	Timeout  time.Duration // 0 means DefaultTimeout
	Enabled  bool
	Overlap  Overlap
	Missed   Missed

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Command runs a program. With Args set, Args[0] is the program and no
// shell is involved; otherwise Line is run by the platform's shell
// (sh -c on Unix, cmd /C on Windows).
type Command struct {
	Line string   `json:"line,omitempty"`
	Args []string `json:"args,omitempty"`
	Dir  string   `json:"dir,omitempty"`
	// Env adds KEY=VALUE entries to Herald's environment. Values may be
	// secrets: the store keeps them in the OS keyring.
	Env []string `json:"-"`
	// OutputEncoding is how the output is read: EncodingAuto (""), or one
	// of OutputEncodingNames to force an encoding.
	OutputEncoding string `json:"output_encoding,omitempty"`
}

// HTTPCheck requests a URL and judges the answer.
type HTTPCheck struct {
	Method string `json:"method,omitempty"` // default GET
	URL    string `json:"url"`
	// Headers may carry credentials: the store keeps them in the OS keyring.
	Headers map[string]string `json:"-"`
	Body    string            `json:"body,omitempty"`
	// ExpectStatus lists accepted statuses: "200-299" (default), "200,204", "2xx,301".
	ExpectStatus string `json:"expect_status,omitempty"`
	// ExpectBody, when set, must occur in the answer body.
	ExpectBody string `json:"expect_body,omitempty"`
	// ExpectRegex, when set, must match the answer body (RE2 syntax).
	ExpectRegex string `json:"expect_regex,omitempty"`
}

// ScheduleKind is how a task is timed.
type ScheduleKind string

const (
	ScheduleNone  ScheduleKind = ""      // manual only
	ScheduleCron  ScheduleKind = "cron"  // 5 fields, or 6 with seconds first
	ScheduleEvery ScheduleKind = "every" // fixed interval
	ScheduleDaily ScheduleKind = "daily" // at one or more HH:MM[:SS] each day
	ScheduleAt    ScheduleKind = "at"    // once, at a date-time
)

// Schedule is when a task fires, in the machine's local time zone.
type Schedule struct {
	Kind  ScheduleKind  `json:"kind,omitempty"`
	Cron  string        `json:"cron,omitempty"`
	Every time.Duration `json:"every,omitempty"`
	Daily []string      `json:"daily,omitempty"` // "08:00", "20:30:15"
	At    time.Time     `json:"at,omitzero"`
	// RandomDelay delays each automatic run by a uniform random time in
	// [0, RandomDelay] (QD's check-in habit: don't hit a site on the second).
	RandomDelay time.Duration `json:"random_delay,omitempty"`
}

// Run is one execution of a task, as recorded.
type Run struct {
	ID         int64
	TaskID     int64
	TaskName   string
	Trigger    Trigger
	Status     Status
	Started    time.Time
	Finished   time.Time
	ExitCode   *int // command tasks; nil when the process never ran or was killed
	HTTPStatus int  // http tasks; 0 when no answer
	Output     string
	Error      string
}

// Duration is how long the run took.
func (r Run) Duration() time.Duration { return r.Finished.Sub(r.Started) }

// FieldError is bad task input, naming the setting and the fix.
type FieldError struct {
	Field string
	Msg   string // the problem in English, without the field
	Err   error  // the problem as an i18n error (Msg's text)
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// Unwrap returns the problem's i18n error.
func (e *FieldError) Unwrap() error { return e.Err }

// Problem is what is wrong, without the field.
func (e *FieldError) Problem() i18n.Text { return i18n.Problem(e.Err, e.Msg) }

// Label is the setting's name in the user's language.
func (e *FieldError) Label() i18n.Text { return i18n.Label("task.field."+e.Field, e.Field) }

// UserText reads "setting: problem".
func (e *FieldError) UserText() i18n.Text { return i18n.FieldProblem(e.Label(), e.Problem()) }

// bad is a problem with field, read as the i18n text key with kv.
func bad(field, key string, kv ...any) error { return badErr(field, i18n.New(key, kv...)) }

func badErr(field string, err error) error { return NewFieldError(field, err) }

// NewFieldError is problem err with the task's field.
func NewFieldError(field string, err error) *FieldError {
	return &FieldError{Field: field, Msg: err.Error(), Err: err}
}

// EffectiveTimeout returns the task's timeout or the default.
func (t Task) EffectiveTimeout() time.Duration {
	if t.Timeout <= 0 {
		return DefaultTimeout
	}
	return t.Timeout
}

// Validate checks a task before it is saved.
func (t Task) Validate() error {
	name := strings.TrimSpace(t.Name)
	switch {
	case name == "":
		return bad("name", "field.required")
	case len([]rune(name)) > 80:
		return bad("name", "task.name.long", "Max", 80)
	case strings.ContainsAny(name, "\n\r\t"):
		return bad("name", "task.name.lines")
	}
	switch t.Kind {
	case KindCommand:
		if t.Command == nil || (strings.TrimSpace(t.Command.Line) == "" && len(t.Command.Args) == 0) {
			return bad("command", "task.command.required")
		}
		if t.HTTP != nil {
			return bad("http", "task.both")
		}
		for _, kv := range t.Command.Env {
			if k, _, ok := strings.Cut(kv, "="); !ok || k == "" || strings.ContainsAny(k, " \t\n") {
				return bad("env", "task.env", "Value", strconv.Quote(redactEnv(kv)))
			}
		}
		if e := t.Command.OutputEncoding; e != EncodingAuto {
			if _, ok := lookupOutputEncoding(e); !ok {
				return bad("output-encoding", "task.output_encoding", "Value", strconv.Quote(e),
					"Names", strings.Join(OutputEncodingNames(), ", "))
			}
		}
	case KindHTTP:
		if t.HTTP == nil {
			return bad("http", "task.http.required")
		}
		if t.Command != nil {
			return bad("command", "task.both")
		}
		if err := t.HTTP.validate(); err != nil {
			return err
		}
	default:
		return bad("kind", "task.kind", "Value", strconv.Quote(string(t.Kind)))
	}
	if t.Timeout < 0 {
		return bad("timeout", "task.negative")
	}
	switch t.Overlap {
	case "", OverlapSkip, OverlapQueue:
	default:
		return bad("overlap", "task.overlap", "Value", strconv.Quote(string(t.Overlap)))
	}
	switch t.Missed {
	case "", MissedSkip, MissedRun:
	default:
		return bad("missed", "task.missed", "Value", strconv.Quote(string(t.Missed)))
	}
	return t.Schedule.Validate()
}

func redactEnv(kv string) string {
	k, _, _ := strings.Cut(kv, "=")
	if len(k) > 40 {
		k = k[:40]
	}
	return k + "=…"
}

func (h *HTTPCheck) validate() error {
	u, err := url.Parse(h.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return bad("url", "task.url")
	}
	if h.Method != "" && !regexp.MustCompile(`^[A-Z]+$`).MatchString(h.Method) {
		return bad("method", "task.method", "Value", strconv.Quote(h.Method))
	}
	if _, err := ParseStatusSet(h.ExpectStatus); err != nil {
		return badErr("expect-status", err)
	}
	if h.ExpectRegex != "" {
		if _, err := regexp.Compile(h.ExpectRegex); err != nil {
			return badErr("expect-regex", i18n.Wrap(err, "task.regex"))
		}
	}
	for k := range h.Headers {
		if k == "" || strings.ContainsAny(k, " :\r\n") {
			return bad("header", "task.header", "Value", strconv.Quote(k))
		}
	}
	return nil
}

// StatusSet is a set of accepted HTTP statuses.
type StatusSet [][2]int

// Contains reports whether code is accepted.
func (s StatusSet) Contains(code int) bool {
	for _, r := range s {
		if code >= r[0] && code <= r[1] {
			return true
		}
	}
	return false
}

// ParseStatusSet reads "200-299", "200,204", "2xx,301"; empty means 2xx.
func ParseStatusSet(v string) (StatusSet, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return StatusSet{{200, 299}}, nil
	}
	var set StatusSet
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(strings.ToLower(part))
		var lo, hi int
		var err error
		switch {
		case len(part) == 3 && strings.HasSuffix(part, "xx"):
			d, e := strconv.Atoi(part[:1])
			lo, hi, err = d*100, d*100+99, e
		case strings.Contains(part, "-"):
			a, b, _ := strings.Cut(part, "-")
			lo, err = strconv.Atoi(strings.TrimSpace(a))
			if err == nil {
				hi, err = strconv.Atoi(strings.TrimSpace(b))
			}
		default:
			lo, err = strconv.Atoi(part)
			hi = lo
		}
		if err != nil || lo < 100 || hi > 599 || lo > hi {
			return nil, i18n.New("task.status", "Value", strconv.Quote(part))
		}
		set = append(set, [2]int{lo, hi})
	}
	return set, nil
}

// Validate checks the schedule's own settings.
func (s Schedule) Validate() error {
	if s.RandomDelay < 0 {
		return bad("random-delay", "task.negative")
	}
	switch s.Kind {
	case ScheduleNone:
		return nil
	case ScheduleCron:
		if _, err := ParseCron(s.Cron); err != nil {
			return badErr("cron", err)
		}
	case ScheduleEvery:
		if s.Every < time.Second {
			return bad("every", "task.every", "Value", i18n.Duration(s.Every))
		}
	case ScheduleDaily:
		if len(s.Daily) == 0 {
			return bad("daily", "task.daily.empty")
		}
		for _, d := range s.Daily {
			if _, _, _, err := ParseClock(d); err != nil {
				return badErr("daily", err)
			}
		}
	case ScheduleAt:
		if s.At.IsZero() {
			return bad("at", "task.at")
		}
	default:
		return bad("schedule", "task.schedule", "Value", strconv.Quote(string(s.Kind)))
	}
	return nil
}

// ParseClock reads HH:MM or HH:MM:SS.
func ParseClock(v string) (h, m, s int, err error) {
	parts := strings.Split(strings.TrimSpace(v), ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, 0, 0, i18n.New("task.clock", "Value", strconv.Quote(v))
	}
	nums := make([]int, 3)
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || len(p) > 2 {
			return 0, 0, 0, i18n.New("task.clock", "Value", strconv.Quote(v))
		}
		nums[i] = n
	}
	if nums[0] > 23 || nums[1] > 59 || nums[2] > 59 {
		return 0, 0, 0, i18n.New("task.clock.range", "Value", strconv.Quote(v))
	}
	return nums[0], nums[1], nums[2], nil
}
