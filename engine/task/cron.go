package task

import (
	"strconv"
	"strings"

	"github.com/heraldpush/herald/engine/i18n"
)

// cronField is one of a cron expression's fields: its name, range and
// the names it accepts for values (JAN, SUN).
type cronField struct {
	name     string // i18n key of the field's name
	min, max int
	names    []string // names[i] stands for min+i
}

var (
	months   = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
	weekdays = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}

	cronFields = []cronField{
		{"cron.field.minute", 0, 59, nil},
		{"cron.field.hour", 0, 23, nil},
		{"cron.field.day", 1, 31, nil},
		{"cron.field.month", 1, 12, months},
		{"cron.field.weekday", 0, 6, weekdays},
	}
	cronSecond = cronField{"cron.field.second", 0, 59, nil}
)

// cronProblem explains why the cron library refused expr (its five or six
// fields already counted): which field is wrong and what it allows, so the
// sentence is the user's language rather than the library's English. It
// returns nil when it finds nothing wrong.
func cronProblem(expr string) error {
	if strings.HasPrefix(expr, "@every") {
		return i18n.New("cron.every", "Value", strconv.Quote(expr))
	}
	if strings.HasPrefix(expr, "@") {
		return i18n.New("cron.descriptor", "Value", strconv.Quote(expr))
	}
	fields := cronFields
	parts := strings.Fields(expr)
	if len(parts) == 6 {
		fields = append([]cronField{cronSecond}, cronFields...)
	}
	if len(parts) != len(fields) {
		return nil
	}
	for i, f := range fields {
		if p := f.check(parts[i]); p != nil {
			return i18n.New("cron.field", "Field", i18n.T(f.name), "Problem", *p, "Allowed", f.allowed())
		}
	}
	return nil
}

func (f cronField) allowed() i18n.Text {
	if f.names == nil {
		return i18n.T("cron.range", "Min", f.min, "Max", f.max)
	}
	return i18n.T("cron.range_names", "Min", f.min, "Max", f.max, "First", f.names[0], "Last", f.names[len(f.names)-1])
}

// check reads a field as the cron library does: a comma list of *, ?, a
// value or a range a-b, each optionally with /step.
func (f cronField) check(v string) *i18n.Text {
	for _, item := range strings.Split(v, ",") {
		if p := f.checkItem(item); p != nil {
			return p
		}
	}
	return nil
}

func (f cronField) checkItem(item string) *i18n.Text {
	problem := func(key string, kv ...any) *i18n.Text {
		t := i18n.T(key, kv...)
		return &t
	}
	rng, step, hasStep := strings.Cut(item, "/")
	if hasStep {
		if n, err := strconv.Atoi(step); err != nil || n <= 0 {
			return problem("cron.step", "Value", strconv.Quote(item))
		}
	}
	if rng == "*" || rng == "?" {
		return nil
	}
	lo, hi, isRange := strings.Cut(rng, "-")
	a, p := f.value(lo)
	if p != nil {
		return p
	}
	if !isRange {
		return nil
	}
	b, p := f.value(hi)
	if p != nil {
		return p
	}
	if a > b {
		return problem("cron.backwards", "Value", strconv.Quote(rng))
	}
	return nil
}

// value reads one number or name within the field's range.
func (f cronField) value(v string) (int, *i18n.Text) {
	for i, name := range f.names {
		if strings.EqualFold(v, name) {
			return f.min + i, nil
		}
	}
	n, err := strconv.Atoi(v)
	var t i18n.Text
	switch {
	case err != nil || v == "":
		t = i18n.T("cron.not_number", "Value", strconv.Quote(v))
	case n < f.min:
		t = i18n.T("cron.below", "Value", n, "Min", f.min)
	case n > f.max:
		t = i18n.T("cron.above", "Value", n, "Max", f.max)
	default:
		return n, nil
	}
	return 0, &t
}
