package dispatch

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// AnomalySettings are the duration-anomaly rule: a successful run much
// shorter or longer than the task's usual one is pushed as a warning.
type AnomalySettings struct {
	Enabled bool    `json:"enabled"`  // default false; a task may override it
	K       float64 `json:"k"`        // width of the band in MADs, default 3
	MinRuns int     `json:"min_runs"` // successes needed before the rule judges, default 10
}

// HeartbeatSettings are Herald's own heartbeat. The URL it pings may hold
// a token, so it lives in the keyring (HeartbeatSecretID), never here.
type HeartbeatSettings struct {
	Interval int `json:"interval"` // seconds between pings at most, default 60
}

// Limits of the watch settings.
const (
	MinAnomalyK          = 0.5
	MaxAnomalyK          = 100.0
	MinAnomalyRuns       = 3
	MaxAnomalyRuns       = 1000
	MinHeartbeatInterval = 5
	MaxHeartbeatInterval = 86400
	MinDeadman           = 5 * time.Second
	MaxDeadman           = 366 * 24 * time.Hour
	// anomalyHistory is how many earlier successes the rule reads.
	anomalyHistory = 30
)

// HeartbeatSecretID and HeartbeatSecretField name the keyring entry of the
// heartbeat URL.
const (
	HeartbeatSecretID    = "herald"
	HeartbeatSecretField = "heartbeat_url"
)

func defaultAnomaly() AnomalySettings { return AnomalySettings{K: 3, MinRuns: 10} }

func defaultHeartbeat() HeartbeatSettings { return HeartbeatSettings{Interval: 60} }

// watchKeys are the keys of the watch settings (Settings.Set).
var watchKeys = []string{"anomaly.enabled", "anomaly.k", "anomaly.min_runs", "heartbeat.interval", "heartbeat.url", "away_summary"}

// watchOverrideKeys are the per-task keys (TaskOverrides.Set).
var watchOverrideKeys = []string{"deadman", "anomaly"}

func (s Settings) validateWatch() error {
	if err := checkAnomalyK(s.Anomaly.K); err != nil {
		return err
	}
	if err := checkAnomalyRuns(s.Anomaly.MinRuns); err != nil {
		return err
	}
	return checkHeartbeatInterval(s.Heartbeat.Interval)
}

func checkAnomalyK(k float64) error {
	if math.IsNaN(k) || k < MinAnomalyK || k > MaxAnomalyK {
		return fieldErr("anomaly.k", "deadman.k.range", "Min", MinAnomalyK, "Max", MaxAnomalyK, "Value", k)
	}
	return nil
}

func checkAnomalyRuns(n int) error {
	if n < MinAnomalyRuns || n > MaxAnomalyRuns {
		return fieldErr("anomaly.min_runs", "deadman.runs.range", "Min", MinAnomalyRuns, "Max", MaxAnomalyRuns, "Value", n)
	}
	return nil
}

func checkHeartbeatInterval(n int) error {
	if n < MinHeartbeatInterval || n > MaxHeartbeatInterval {
		return fieldErr("heartbeat.interval", "deadman.heartbeat.range", "Min", MinHeartbeatInterval, "Max", MaxHeartbeatInterval, "Value", n)
	}
	return nil
}

// setWatch sets one watch setting; handled is false for other keys.
// heartbeat.url is not a document setting: whoever stores the settings
// (CLI, API, window) puts it in the keyring and never passes it here.
func (s *Settings) setWatch(key, v string, reset bool) (handled bool, err error) {
	def := defaultAnomaly()
	switch key {
	case "anomaly.enabled":
		return true, setBool(key, v, reset, false, &s.Anomaly.Enabled)
	case "anomaly.k":
		s.Anomaly.K = def.K
		if !reset {
			f, perr := strconv.ParseFloat(v, 64)
			if perr != nil {
				return true, fieldErr(key, "deadman.k.number", "Value", strconv.Quote(v))
			}
			s.Anomaly.K, err = f, checkAnomalyK(f)
		}
	case "anomaly.min_runs":
		s.Anomaly.MinRuns = def.MinRuns
		if !reset {
			n, perr := strconv.Atoi(v)
			if perr != nil {
				return true, fieldErr(key, "deadman.runs.number", "Value", strconv.Quote(v))
			}
			s.Anomaly.MinRuns, err = n, checkAnomalyRuns(n)
		}
	case "heartbeat.interval":
		s.Heartbeat.Interval = defaultHeartbeat().Interval
		if !reset {
			n, perr := strconv.Atoi(v)
			if perr != nil {
				return true, fieldErr(key, "deadman.heartbeat.number", "Value", strconv.Quote(v))
			}
			s.Heartbeat.Interval, err = n, checkHeartbeatInterval(n)
		}
	case "away_summary":
		err = setBool(key, v, reset, true, &s.AwaySummary)
	case "heartbeat.url":
		return true, fieldErr(key, "deadman.heartbeat.url_here")
	default:
		return false, nil
	}
	return true, err
}

// ParseDeadman reads a dead-man's switch period: a Go duration ("26h",
// "90m", "1h30m") or whole days ("2d", also "1d12h").
func ParseDeadman(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	var days int64
	if i := strings.IndexByte(v, 'd'); i > 0 {
		n, err := strconv.ParseInt(v[:i], 10, 64)
		if err != nil || n < 0 || n > 1000 {
			return 0, i18nDeadman(v)
		}
		days, v = n, v[i+1:]
	}
	var rest time.Duration
	if v != "" {
		var err error
		if rest, err = time.ParseDuration(v); err != nil {
			return 0, i18nDeadman(v)
		}
	}
	d := time.Duration(days)*24*time.Hour + rest
	if d < MinDeadman || d > MaxDeadman {
		return 0, fieldErr("deadman", "deadman.period.range", "Min", FormatDeadman(MinDeadman), "Max", FormatDeadman(MaxDeadman), "Value", strconv.Quote(FormatDeadman(d)))
	}
	return d, nil
}

func i18nDeadman(v string) error {
	return fieldErr("deadman", "deadman.period.form", "Value", strconv.Quote(v))
}

// FormatDeadman writes a period the way ParseDeadman reads it, whole days
// as "Nd".
func FormatDeadman(d time.Duration) string {
	day := 24 * time.Hour
	if d >= day && d%day == 0 {
		return strconv.FormatInt(int64(d/day), 10) + "d"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// validateWatch checks the per-task watch overrides.
func (o TaskOverrides) validateWatch() error {
	if o.Deadman != "" {
		if _, err := ParseDeadman(o.Deadman); err != nil {
			return err
		}
	}
	return nil
}

// DeadmanPeriod is the task's "must succeed at least every" period; 0 when
// it has none (or a stored one is unreadable).
func (o TaskOverrides) DeadmanPeriod() time.Duration {
	if o.Deadman == "" {
		return 0
	}
	d, err := ParseDeadman(o.Deadman)
	if err != nil {
		return 0
	}
	return d
}

// setWatch sets one per-task watch override; handled is false for other keys.
func (o *TaskOverrides) setWatch(key, v string, reset bool) (handled bool, err error) {
	switch key {
	case "deadman":
		o.Deadman = ""
		if !reset && !strings.EqualFold(v, "off") && v != "0" {
			var d time.Duration
			if d, err = ParseDeadman(v); err == nil {
				o.Deadman = FormatDeadman(d)
			}
		}
	case "anomaly":
		o.Anomaly, err = overrideBool(key, v, reset)
	default:
		return false, nil
	}
	return true, err
}

// Anomaly is how one run's duration compares with the task's usual one.
type Anomaly struct {
	Median, MAD time.Duration // of the earlier successes
	Low, High   time.Duration // the band: median ± k·MAD (MAD floored, see DurationAnomaly)
	Shorter     bool          // below the band; else above it
}

// DurationAnomaly judges duration d against the durations of earlier
// successful runs: outside median ± k·MAD it is an anomaly. With fewer
// than minRuns earlier runs it judges nothing. The MAD is floored at a
// twentieth of the median and at 100 ms, so a task that always takes the
// same time is not flagged for a few milliseconds of jitter.
func DurationAnomaly(history []time.Duration, d time.Duration, k float64, minRuns int) (Anomaly, bool) {
	if len(history) == 0 || len(history) < minRuns {
		return Anomaly{}, false
	}
	med := median(history)
	dev := make([]time.Duration, len(history))
	for i, h := range history {
		dev[i] = (h - med).Abs()
	}
	mad := median(dev)
	width := max(mad, med/20, 100*time.Millisecond)
	band := time.Duration(k * float64(width))
	a := Anomaly{Median: med, MAD: mad, Low: max(med-band, 0), High: med + band}
	switch {
	case d < a.Low:
		a.Shorter = true
		return a, true
	case d > a.High:
		return a, true
	}
	return a, false
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return s[n/2-1] + (s[n/2]-s[n/2-1])/2
}

// deadmanDue reports whether a task whose last success (or, with none,
// its creation) was at ref is missing at now, given period d.
func deadmanDue(ref time.Time, d time.Duration, now time.Time) bool {
	return d > 0 && !now.Before(ref.Add(d))
}
