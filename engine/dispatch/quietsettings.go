package dispatch

import (
	"strconv"
	"strings"
	"time"

	"github.com/heraldpush/herald/engine/i18n"
)

// QuietSettings are the quiet hours (quiet.go): pushes inside a window
// are held and sent as one summary per channel when it ends.
type QuietSettings struct {
	Windows string `json:"windows"` // "" = no quiet hours; syntax: ParseQuietWindows
	// BreakThrough: failures (and the recovery notice after them) are sent
	// at once even in quiet hours. Per task: quiet_break_through.
	BreakThrough bool `json:"break_through"`
}

// BurstSettings coalesce bursts (burst.go): when more than Max pushes for
// one channel would go out within Window seconds, the ones beyond Max are
// held and sent, Window after the first of them, as one grouped message.
type BurstSettings struct {
	Max    int `json:"max"`    // B; 0 = off (the default)
	Window int `json:"window"` // T in seconds; 0 = DefaultBurstWindow
}

// Limits of the quiet and burst settings.
const (
	DefaultBurstWindow = 60
	MaxBurstMax        = 1000
	MaxBurstWindow     = 86400
)

func (s Settings) validateQuietBurst() error {
	if err := checkQuietWindows("quiet.windows", s.Quiet.Windows); err != nil {
		return err
	}
	if s.Burst.Max < 0 || s.Burst.Max > MaxBurstMax {
		return fieldErr("burst.max", "quiet.err.burst_max", "Max", MaxBurstMax, "Value", s.Burst.Max)
	}
	if s.Burst.Window < 0 || s.Burst.Window > MaxBurstWindow {
		return fieldErr("burst.window", "quiet.err.burst_window", "Max", MaxBurstWindow, "Value", s.Burst.Window)
	}
	return nil
}

func checkQuietWindows(field, v string) error {
	if _, err := ParseQuietWindows(v); err != nil {
		return &FieldError{Field: field, Msg: err.Error(), Err: err}
	}
	return nil
}

// normalizeQuietWindows checks v and writes it in the canonical form
// ("off" for none).
func normalizeQuietWindows(field, v string) (string, error) {
	ws, err := ParseQuietWindows(v)
	if err != nil {
		return "", &FieldError{Field: field, Msg: err.Error(), Err: err}
	}
	if len(ws) == 0 {
		return "off", nil
	}
	return ws.String(), nil
}

// setQuietBurst sets quiet.windows, burst.max or burst.window.
func (s *Settings) setQuietBurst(key, v string, reset bool) error {
	def := DefaultSettings()
	switch key {
	case "quiet.windows":
		s.Quiet.Windows = def.Quiet.Windows
		if !reset {
			w, err := normalizeQuietWindows(key, v)
			if err != nil {
				return err
			}
			if w != "off" {
				s.Quiet.Windows = w
			}
		}
	case "burst.max":
		s.Burst.Max = def.Burst.Max
		if !reset {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fieldErr(key, "quiet.err.burst_max", "Max", MaxBurstMax, "Value", strconv.Quote(v))
			}
			s.Burst.Max = n
		}
	case "burst.window":
		s.Burst.Window = def.Burst.Window
		if !reset {
			n, err := parseSeconds(v)
			if err != nil || n < 1 || n > MaxBurstWindow {
				return fieldErr(key, "quiet.err.burst_window", "Max", MaxBurstWindow, "Value", strconv.Quote(v))
			}
			s.Burst.Window = n
		}
	}
	return s.validateQuietBurst()
}

// window is T, its default when unset.
func (b BurstSettings) window() time.Duration {
	if b.Window <= 0 {
		return DefaultBurstWindow * time.Second
	}
	return time.Duration(b.Window) * time.Second
}

// parseSeconds reads whole seconds: "90", or a Go duration "90s", "2m".
func parseSeconds(v string) (int, error) {
	if n, err := strconv.Atoi(v); err == nil {
		return n, nil
	}
	d, err := time.ParseDuration(strings.ToLower(v))
	if err != nil || d%time.Second != 0 {
		return 0, i18n.New("quiet.err.burst_window", "Max", MaxBurstWindow, "Value", strconv.Quote(v))
	}
	return int(d / time.Second), nil
}
